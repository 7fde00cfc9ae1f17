#!/usr/bin/env python3
"""Screenshots of the suite for the README, taken in headless Chromium.

Needs the Python package ``playwright`` (no browser download: it drives the system
Chromium, ``CHROMIUM`` or /usr/bin/chromium) and a running Odoo with demo data:

    scripts/run.sh &                       # or any Odoo with the suite installed
    python scripts/screenshots.py --url http://127.0.0.1:8069 --db workflow_demo
"""

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PAGES = [
    ("my_approvals", "/web#action=workflow_automation.action_my_approvals&view_type=list"),
    ("sale_order_approval", "/web#model=sale.order&view_type=form&id={order_id}"),
    ("definition_form", "/web#model=workflow.definition&view_type=form&id={definition_id}"),
    ("instances_kanban", "/web#action=workflow_automation.action_workflow_instance&view_type=kanban"),
    ("approval_request", "/web#model=approval.request&view_type=form&id={request_id}"),
    ("instance_form", "/web#model=workflow.instance&view_type=form&id={instance_id}"),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="workflow_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--ids", default="", help="definition_id=..,request_id=..,instance_id=..,order_id=..")
    args = parser.parse_args()
    ids = dict(item.split("=") for item in args.ids.split(",") if item)
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.goto(f"{args.url}/web/login?db={args.db}")
        page.fill("input[name=login]", args.login)
        page.fill("input[name=password]", args.password)
        page.click("button[type=submit]")
        page.wait_for_selector(".o_main_navbar", timeout=60000)
        for name, path in PAGES:
            page.goto(args.url + path.format(**ids))
            page.wait_for_selector(".o_action_manager .o_view_controller", timeout=60000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(OUT / f"{name}.png"))
            print("saved", OUT / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
