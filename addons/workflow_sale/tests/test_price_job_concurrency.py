"""Two runs of the price job at the same instant, on two real database connections."""
# pylint: disable=invalid-commit

import threading
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import get_db_name

COUNT = 40


@tagged("post_install", "-at_install")
class TestPriceJobConcurrency(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = sql_db.db_connect(get_db_name())
        with cls.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            templates = env["product.template"].create(
                [{"name": f"Race cheese {i}", "list_price": 10.0} for i in range(COUNT)]
            )
            past = fields.Datetime.now() - timedelta(minutes=1)
            requests = env["price.change.request"].create(
                [
                    {
                        "product_tmpl_id": t.id,
                        "currency_id": t.currency_id.id,
                        "old_price": 10.0,
                        "new_price": 12.5,
                        "status": "approved",
                        "effective_date": past,
                    }
                    for t in templates
                ]
            )
            cls.template_ids, cls.request_ids = templates.ids, requests.ids
            cr.commit()

    @classmethod
    def tearDownClass(cls):
        with cls.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["price.change.request"].browse(cls.request_ids).unlink()
            env["product.template"].browse(cls.template_ids).unlink()
            cr.commit()
        super().tearDownClass()

    def test_two_runs_apply_each_price_once(self):
        barrier = threading.Barrier(2)
        handled = [None, None]

        def run(index):
            with self.db.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                barrier.wait(timeout=10)
                handled[index] = env["workflow.job"].run_job("price.change.request", "_job_apply_due", COUNT)
                cr.commit()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(sum(handled), COUNT, handled)
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            requests = env["price.change.request"].browse(self.request_ids)
            self.assertEqual(set(requests.mapped("status")), {"applied"})
            templates = env["product.template"].browse(self.template_ids)
            self.assertEqual(set(templates.mapped("list_price")), {12.5})
            applied_notes = env["mail.message"].search_count(
                [
                    ("model", "=", "product.template"),
                    ("res_id", "in", self.template_ids),
                    ("body", "ilike", "applied"),
                ]
            )
            self.assertEqual(applied_notes, COUNT, "each price applied exactly once")
