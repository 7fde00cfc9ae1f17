"""Sales approvals tried as a new user would: XML-RPC on a real server, with the demo matrix.

The demo data (workflow_sale/demo) gives a dairy distributor's matrix: 10,000-50,000 the
sales manager, 50,000-200,000 the sales manager then Finance (Frank), above 200,000 the
general manager too, and orders confirm on approval.
"""

import os
import uuid
import xmlrpc.client
from datetime import datetime, timedelta, timezone

import psycopg2
import pytest
from conftest import Rpc

PASSWORD = "Dairy-approvals-2024"


def _xmlid(admin, xmlid):
    return admin("ir.model.data", "check_object_reference", *xmlid.split("."))[1]


@pytest.fixture(scope="module")
def people(odoo_server, admin):
    """The demo approvers get a password; a new salesman joins."""
    tag = uuid.uuid4().hex[:6]
    sofia = _xmlid(admin, "workflow_sale.demo_user_sales_manager")
    frank = _xmlid(admin, "workflow_sale.demo_user_finance")
    admin("res.users", "write", [sofia, frank], {"password": PASSWORD})
    seller = admin(
        "res.users",
        "create",
        {
            "name": f"Nina New Seller {tag}",
            "login": f"nina_{tag}",
            "password": PASSWORD,
            "groups_id": [(6, 0, [_xmlid(admin, "sales_team.group_sale_salesman")])],
        },
    )
    url, db = odoo_server["url"], odoo_server["db"]
    customer = admin(
        "res.partner",
        "create",
        {
            "name": f"Green Valley Dairy Shop {tag}",
            "category_id": [(6, 0, [_xmlid(admin, "workflow_sale.demo_category_dairy_retail")])],
        },
    )
    product = admin("product.product", "create", {"name": f"Whole milk crate {tag}", "taxes_id": [(5,)]})
    return {
        "seller": Rpc(url, db, f"nina_{tag}", PASSWORD),
        "sofia": Rpc(url, db, "sofia.sales", PASSWORD),
        "frank": Rpc(url, db, "frank.finance", PASSWORD),
        "seller_id": seller,
        "customer": customer,
        "product": product,
    }


def _order(people, amount):
    return people["seller"](
        "sale.order",
        "create",
        {
            "partner_id": people["customer"],
            "order_line": [(0, 0, {"product_id": people["product"], "price_unit": amount, "tax_id": [(5,)]})],
        },
    )


def _read(rpc, order_id, fields=("state", "approval_state", "approval_levels_text")):
    return rpc("sale.order", "read", [order_id], list(fields))[0]


def _my_request(rpc, order_id):
    pending = rpc("approval.request", "list_my_pending")
    mine = [p for p in pending if p["model"] == "sale.order" and p["record_id"] == order_id]
    assert len(mine) == 1, pending
    return mine[0]


def test_order_of_150000_approved_by_manager_then_finance(people):
    order = _order(people, 150000)
    assert _read(people["seller"], order)["approval_levels_text"] == "1. Sales manager, 2. Finance"
    with pytest.raises(xmlrpc.client.Fault, match="requires: 1. Sales manager, 2. Finance"):
        people["seller"]("sale.order", "action_confirm", [order])
    people["seller"]("sale.order", "action_request_approval", [order])
    assert _read(people["seller"], order)["approval_state"] == "pending"
    # Finance sees nothing before the sales manager decided
    assert not [p for p in people["frank"]("approval.request", "list_my_pending") if p["record_id"] == order]
    with pytest.raises(xmlrpc.client.Fault) as caught:
        people["seller"]("approval.request", "approve", [_my_request(people["sofia"], order)["id"]])
    assert caught.value.faultCode == 4, "the salesperson is no approver: AccessError"
    before = people["sofia"]("approval.request", "get_my_pending_count")
    people["sofia"](
        "approval.request", "approve", [_my_request(people["sofia"], order)["id"]], comment="Margin OK"
    )
    assert people["sofia"]("approval.request", "get_my_pending_count") == before - 1
    request = _my_request(people["frank"], order)
    assert request["step"] == "Approval"
    people["frank"]("approval.request", "approve", [request["id"]], comment="Credit limit OK")
    state = _read(people["seller"], order)
    assert (state["state"], state["approval_state"]) == ("sale", "approved")


def test_rejected_order_stays_a_quotation_with_the_reason(people, admin):
    order = _order(people, 150000)
    people["seller"]("sale.order", "action_request_approval", [order])
    people["sofia"]("approval.request", "approve", [_my_request(people["sofia"], order)["id"]])
    reason = _xmlid(admin, "workflow_automation.rejection_reason_credit")
    people["frank"](
        "approval.request",
        "reject",
        [_my_request(people["frank"], order)["id"]],
        comment="Three invoices overdue",
        reason_id=reason,
    )
    state = _read(people["seller"], order)
    assert (state["state"], state["approval_state"]) == ("draft", "rejected")
    bodies = " ".join(
        m["body"]
        for m in admin(
            "mail.message", "search_read", [("model", "=", "sale.order"), ("res_id", "=", order)], ["body"]
        )
    )
    assert "Customer credit risk" in bodies and "Three invoices overdue" in bodies


def test_celery_workers_apply_each_approved_price_once(people, admin, celery_workers, dbname):
    """30 approved price changes due now, 4 job messages at once on 2 worker processes."""
    count = 30
    templates = admin(
        "product.template",
        "create",
        [{"name": f"Farm cheese {i} {uuid.uuid4().hex[:4]}", "list_price": 8.0} for i in range(count)],
    )
    admin("product.template", "write", templates, {"list_price": 10.0})  # +25 %: needs approval
    assert admin("product.template", "read", templates[:1], ["list_price"])[0]["list_price"] == 8.0
    requests = admin("price.change.request", "search", [("product_tmpl_id", "in", templates)])
    assert len(requests) == count
    # due tomorrow: approving 30 requests on a loaded machine may take longer than any short delay
    due = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=1)
    admin("price.change.request", "write", requests, {"effective_date": due.strftime("%Y-%m-%d %H:%M:%S")})
    approvals = admin(
        "approval.request",
        "search",
        [
            ("model_name", "=", "price.change.request"),
            ("record_id", "in", requests),
            ("status", "=", "pending"),
        ],
    )
    people["frank"]("approval.request", "approve", approvals, comment="New milk price")
    statuses = {r["status"] for r in admin("price.change.request", "read", requests, ["status"])}
    assert statuses == {"approved"}, "not applied before the effective date"
    # the day passes: a decided request is read-only through the ORM, so move its date in SQL
    with psycopg2.connect(dbname=dbname, host="127.0.0.1", user=os.environ.get("PGUSER", "odoo")) as conn:
        with conn.cursor() as cr:
            cr.execute(
                "UPDATE price_change_request SET effective_date = (now() at time zone 'UTC') - interval '1 second'"
                " WHERE id = ANY(%s)",
                [requests],
            )
    client = celery_workers["client"]
    results = [
        client.send_task(
            "workflow_celery.run_job", args=[dbname, "price.change.request", "_job_apply_due", 10]
        )
        for _i in range(4)
    ]
    handled = [r.get(timeout=120) for r in results]
    assert sum(handled) == count, handled
    assert {r["status"] for r in admin("price.change.request", "read", requests, ["status"])} == {"applied"}
    assert {r["list_price"] for r in admin("product.template", "read", templates, ["list_price"])} == {10.0}
    notes = admin(
        "mail.message",
        "search_count",
        [("model", "=", "product.template"), ("res_id", "in", templates), ("body", "ilike", "applied")],
    )
    assert notes == count, "each price applied exactly once"
