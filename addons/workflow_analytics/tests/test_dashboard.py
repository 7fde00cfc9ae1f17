from odoo.tests import HttpCase, tagged

from .common import AnalyticsCase


@tagged("post_install", "-at_install")
class TestDashboardTour(AnalyticsCase, HttpCase):
    def test_dashboard_shows_the_bottleneck_and_opens_its_stays(self):
        self.manager.password = "wf_manager"
        self.start_tour(
            "/web#action=workflow_analytics.action_workflow_analytics_dashboard",
            "workflow_analytics_dashboard",
            login="wf_manager",
        )
