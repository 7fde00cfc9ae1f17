import os
import tempfile

from odoo.tests import TransactionCase


def isolate_checkpoints(test):
    """Give ``test`` its own checkpoint file and key.

    Checkpoints go to a file, which a rolled-back test does not roll back: a head
    signed by one test (verification signs the heads it finds intact) would make the
    next test's chain look rewritten."""
    test.tmpdir = tempfile.TemporaryDirectory(prefix="wfa_audit_")
    test.addCleanup(test.tmpdir.cleanup)
    for name, value in (
        ("WORKFLOW_AUDIT_CHECKPOINT_FILE", os.path.join(test.tmpdir.name, "{db}.jsonl")),
        ("WORKFLOW_AUDIT_HMAC_KEY", "test-key-" + test.id()),
    ):
        old = os.environ.get(name)
        os.environ[name] = value
        test.addCleanup(_restore_env, name, old)


def _restore_env(name, old):
    if old is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = old


class AuditCase(TransactionCase):
    """Audits res.partner; every test gets its own checkpoint file and key."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Log = cls.env["audit.log"]
        cls.partner_model = cls.env["ir.model"]._get("res.partner")
        cls.rule = (
            cls.env["audit.rule"]
            .with_context(active_test=False)
            .search([("model_id", "=", cls.partner_model.id)])
        )
        vals = {
            "name": "Contacts",
            "model_id": cls.partner_model.id,
            "active": True,
            "log_create": True,
            "log_write": True,
            "log_unlink": True,
            "log_read": False,
            "excluded_field_ids": [(6, 0, cls.env["ir.model.fields"]._get("res.partner", "comment").ids)],
        }
        if cls.rule:
            cls.rule.write(vals)
        else:
            cls.rule = cls.env["audit.rule"].create(vals)

    def setUp(self):
        # runs last, after the test's savepoint is rolled back: rule changes made by a
        # test are undone in the database, undo them in the registry's patches too
        self.addCleanup(self._reset_hooks)
        # write what setUpClass buffered, so that each test starts with an empty buffer
        self.env.cr.flush()
        super().setUp()
        isolate_checkpoints(self)

    def _reset_hooks(self):
        self.registry.clear_cache()
        self.env["workflow.hook"]._register_hook()

    _restore_env = staticmethod(_restore_env)

    def commit_point(self):
        """What COMMIT does first: flush the ORM and run the precommit callbacks."""
        self.env.cr.flush()

    def _write_entries(self, count, prefix="Chain"):
        partners = self.env["res.partner"].create([{"name": f"{prefix} {i}"} for i in range(count)])
        self.commit_point()
        return self.entries(partners).sorted("chain_seq")

    def entries(self, records, action=None):
        domain = [("model_name", "=", records._name), ("record_id", "in", records.ids)]
        if action:
            domain.append(("action_type", "=", action))
        return self.Log.search(domain, order="id")

    def sql_rows(self, where="TRUE", params=()):
        self.env.cr.execute(
            f"SELECT id, chain_day, chain_slot, chain_seq FROM audit_log WHERE {where} ORDER BY id",
            params,
        )
        return self.env.cr.fetchall()
