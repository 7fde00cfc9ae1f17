#!/usr/bin/env python3
"""Benchmark of the sales approvals over XML-RPC on a real Odoo 17 server (2 HTTP workers).

Prints:
  * latency p50/p99 of a 5,000 quotation "create + confirm" (no approval: the reference)
    against a 150,000 one "create + request approval + 2 approvals + auto-confirm";
  * latency of ``approval.request.list_my_pending`` / ``get_my_pending_count`` for an
    approver with the given number of pending orders;
  * price changes: requests created per second by one list_price write on N products
    (reference: the same write with price approval disabled), and prices applied per
    second by the job ``price.change.request._job_apply_due`` in batches of 500.

Usage: tests/benchmarks/bench_workflow_sale.py [--orders 50] [--pending 300] [--products 1000]
(runs in its own database, ``wfa_bench_sale``, created and dropped here).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from odoo_harness import OdooServer, Rpc, install


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def fmt(values):
    return f"p50 {pct(values, 50) * 1000:7.1f} ms   p99 {pct(values, 99) * 1000:7.1f} ms   (n={len(values)})"


def setup(admin):
    company_id = admin("res.users", "read", [admin.uid], ["company_id"])[0]["company_id"][0]
    admin(
        "res.company",
        "write",
        [company_id],
        {
            "sale_approval_threshold": 10000,
            "sale_approval_auto_confirm": True,
            "price_change_approval": False,
            "price_change_threshold": 10,
        },
    )
    groups = {
        xmlid: admin("ir.model.data", "check_object_reference", *xmlid.split("."))[1]
        for xmlid in (
            "base.group_user",
            "sales_team.group_sale_salesman",
            "sales_team.group_sale_manager",
            "workflow_sale.group_price_approver",
        )
    }
    users = {}
    for login, group_list in (
        ("bench_sales", ["base.group_user", "sales_team.group_sale_salesman"]),
        ("bench_manager", ["base.group_user", "sales_team.group_sale_manager"]),
        ("bench_finance", ["base.group_user"]),
        ("bench_pricer", ["base.group_user", "workflow_sale.group_price_approver"]),
    ):
        users[login] = admin(
            "res.users",
            "create",
            {
                "name": login,
                "login": login,
                "password": f"{login}_pw_123",
                "groups_id": [(6, 0, [groups[g] for g in group_list])],
            },
        )
    manager_level = {"sequence": 1, "name": "Sales manager", "user_ids": [(6, 0, [users["bench_manager"]])]}
    finance_level = {"sequence": 2, "name": "Finance", "user_ids": [(6, 0, [users["bench_finance"]])]}
    for low, high, levels in (
        (0, 10000, []),
        (10000, 50000, [manager_level]),
        (50000, 200000, [manager_level, finance_level]),
    ):
        admin(
            "sale.approval.matrix",
            "create",
            {
                "company_id": company_id,
                "amount_min": low,
                "amount_max": high,
                "level_ids": [(0, 0, lv) for lv in levels],
            },
        )
    partner = admin("res.partner", "create", {"name": "Bench Dairy Shop"})
    product = admin(
        "product.product", "create", {"name": "Bench milk", "list_price": 1.0, "taxes_id": [(5,)]}
    )
    return company_id, partner, product


def order_vals(partner, product, amount):
    return {
        "partner_id": partner,
        "order_line": [(0, 0, {"product_id": product, "price_unit": amount, "tax_id": [(5,)]})],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--pending", type=int, default=300)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--db", default="wfa_bench_sale")
    args = parser.parse_args()
    t0 = time.perf_counter()
    install(args.db, "workflow_sale")
    print(f"database {args.db} installed in {time.perf_counter() - t0:.1f}s")
    try:
        with OdooServer(args.db, workers=2, logfile=f"/tmp/{args.db}.log") as url:
            admin = Rpc(url, args.db, "admin", "admin")
            company_id, partner, product = setup(admin)
            sales = Rpc(url, args.db, "bench_sales", "bench_sales_pw_123")
            manager = Rpc(url, args.db, "bench_manager", "bench_manager_pw_123")
            finance = Rpc(url, args.db, "bench_finance", "bench_finance_pw_123")
            pricer = Rpc(url, args.db, "bench_pricer", "bench_pricer_pw_123")

            reference, approved = [], []
            for _i in range(args.orders):
                start = time.perf_counter()
                oid = sales("sale.order", "create", order_vals(partner, product, 5000))
                sales("sale.order", "action_confirm", [oid])
                reference.append(time.perf_counter() - start)
            for _i in range(args.orders):
                start = time.perf_counter()
                oid = sales("sale.order", "create", order_vals(partner, product, 150000))
                sales("sale.order", "action_request_approval", [oid])
                for approver in (manager, finance):
                    pending = approver("approval.request", "list_my_pending", limit=1)
                    approver("approval.request", "approve", [pending[0]["id"]], comment="ok")
                approved.append(time.perf_counter() - start)
            state = admin(
                "sale.order", "search_count", [("state", "=", "sale"), ("amount_total", "=", 150000)]
            )
            print(f"order 5,000   create + confirm (reference)              {fmt(reference)}")
            print(f"order 150,000 create + request + 2 approvals + confirm  {fmt(approved)}")
            print(f"  confirmed after approval: {state}/{args.orders}")

            ids = sales(
                "sale.order", "create", [order_vals(partner, product, 20000) for _i in range(args.pending)]
            )
            start = time.perf_counter()
            sales("sale.order", "action_request_approval", ids)
            print(
                f"request approval on {args.pending} quotations in one call: {time.perf_counter() - start:.2f}s"
            )
            inbox, count = [], []
            for _i in range(30):
                s = time.perf_counter()
                manager("approval.request", "list_my_pending")
                inbox.append(time.perf_counter() - s)
                s = time.perf_counter()
                manager("approval.request", "get_my_pending_count")
                count.append(time.perf_counter() - s)
            print(f"list_my_pending (80 of {args.pending} pending)      {fmt(inbox)}")
            print(f"get_my_pending_count ({args.pending} pending)       {fmt(count)}")

            n = args.products
            templates = admin(
                "product.template",
                "create",
                [{"name": f"Bench cheese {i}", "list_price": 10.0} for i in range(n)],
            )
            start = time.perf_counter()
            admin("product.template", "write", templates, {"list_price": 10.5})
            direct = time.perf_counter() - start
            admin("res.company", "write", [company_id], {"price_change_approval": True})
            start = time.perf_counter()
            admin("product.template", "write", templates, {"list_price": 12.0})
            guarded = time.perf_counter() - start
            print(f"list_price write on {n} products, approval off (reference): {n / direct:8.0f} products/s")
            print(
                f"list_price write on {n} products, +14% -> requests:         {n / guarded:8.0f} requests/s"
            )
            requests = admin("price.change.request", "search", [("status", "=", "pending")])
            due = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(
                seconds=max(30, n // 8)
            )  # later than the approvals below take
            admin(
                "price.change.request",
                "write",
                requests,
                {"effective_date": due.strftime("%Y-%m-%d %H:%M:%S")},
            )
            approvals = admin(
                "approval.request",
                "search",
                [("model_name", "=", "price.change.request"), ("status", "=", "pending")],
            )
            start = time.perf_counter()
            pricer("approval.request", "approve", approvals, comment="bench")
            print(f"approve {len(approvals)} price requests in one call: {time.perf_counter() - start:.2f}s")
            time.sleep(max(0.0, (due - datetime.now(timezone.utc).replace(tzinfo=None)).total_seconds() + 1))
            batches, start = [], time.perf_counter()
            while True:
                s = time.perf_counter()
                done = admin("workflow.job", "run_job", "price.change.request", "_job_apply_due", 500)
                if not done:
                    break
                batches.append((done, time.perf_counter() - s))
            total = sum(d for d, _t in batches)
            elapsed = time.perf_counter() - start
            print(
                f"job _job_apply_due: {total} prices applied in {elapsed:.2f}s = {total / elapsed:6.0f}/s "
                f"(batches of 500: {statistics.mean(t for _d, t in batches):.2f}s each)"
            )
            applied = admin(
                "product.template", "search_count", [("id", "in", templates), ("list_price", "=", 12.0)]
            )
            print(f"  prices applied: {applied}/{n}")
    finally:
        if not os.environ.get("KEEP_DB"):
            subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "odoo", args.db], check=False)


if __name__ == "__main__":
    main()
