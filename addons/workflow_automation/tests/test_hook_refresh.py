from odoo.tests import tagged

from .common import WorkflowCase


def _flow(code, model):
    return {
        "name": f"Flow {code}",
        "code": code,
        "model": model,
        "workflow_config": {
            "states": [
                {"code": "draft", "name": "Draft", "is_initial": True},
                {"code": "done", "name": "Done", "is_final": True},
            ],
            "transitions": [{"name": "Finish", "from": "draft", "to": "done"}],
        },
    }


@tagged("post_install", "-at_install")
class TestHookRefresh(WorkflowCase):
    """A configuration change makes every Odoo worker and Celery process reload its whole
    registry only when it patches a model that was not patched before."""

    def setUp(self):
        registry = self.env.registry
        invalidated = registry.registry_invalidated

        def restore():
            # after the test's rollback (cleanups run last-in first-out): this process's patches
            # follow the configuration again, and the flag is the one before the test
            self.env["workflow.hook"]._register_hook()
            registry.registry_invalidated = invalidated

        self.addCleanup(restore)
        super().setUp()
        registry.registry_invalidated = False
        self.hook = self.env["workflow.hook"]

    def test_workflow_on_a_watched_model_reloads_nothing(self):
        self.assertIn(("res.partner", "write"), self.hook._hook_patched())
        self.env["workflow.definition"].import_json(_flow("HOOK_SAME", "res.partner"))
        self.assertFalse(
            self.env.registry.registry_invalidated,
            "one more workflow on res.partner patches nothing new: no registry reload anywhere",
        )

    def test_workflow_on_a_new_model_reloads_the_registries(self):
        model = "res.partner.industry"
        self.assertNotIn((model, "write"), self.hook._hook_patched(), "precondition: nothing watches it")
        self.env["workflow.definition"].import_json(_flow("HOOK_NEW", model))
        self.assertIn((model, "write"), self.hook._hook_patched())
        self.assertTrue(
            self.env.registry.registry_invalidated,
            "the other processes must patch the newly watched model: they reload their registry",
        )
