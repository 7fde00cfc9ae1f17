#!/usr/bin/env python3
"""Screenshots of the workflow designer for the README (designer, live overlay, test run),
taken in headless Chromium; fails when the browser console shows an error.

    python scripts/designer_screenshots.py --url http://127.0.0.1:8069 --db workflow_demo \\
        --definition <id> --record <id of a record of its model>
"""

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="workflow_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--definition", type=int, required=True)
    parser.add_argument("--record", default="", help="name of the record to test-run on")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    errors = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{args.url}/web/login?db={args.db}")
        page.fill("input[name=login]", args.login)
        page.fill("input[name=password]", args.password)
        page.click("button[type=submit]")
        page.wait_for_selector(".o_main_navbar", timeout=60000)
        page.goto(f"{args.url}/web#model=workflow.definition&view_type=form&id={args.definition}")
        page.click("button[name=action_open_designer]")
        page.wait_for_selector(".o_wfd_canvas canvas", timeout=60000)
        page.wait_for_timeout(1000)
        # select the approval state if there is one, to show the panel
        page.keyboard.press("Tab")
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUT / "designer.png"))
        page.keyboard.press("Escape")
        page.click(".o_wfd_overlay")
        page.wait_for_timeout(1000)
        page.screenshot(path=str(OUT / "designer_overlay.png"))
        page.click(".o_wfd_overlay")
        page.click(".o_wfd_testrun")
        page.wait_for_selector(".o_wfd_panel .o-autocomplete--input")
        page.fill(".o_wfd_panel .o-autocomplete--input", args.record)
        page.wait_for_selector(".o-autocomplete--dropdown-item", timeout=10000)
        page.keyboard.press("Enter")
        page.wait_for_selector(".o_wfd_test_state", timeout=20000)
        if page.query_selector(".o_wfd_test_fire:not([disabled])"):
            page.click(".o_wfd_test_fire:not([disabled])")
            page.wait_for_timeout(1200)
        page.screenshot(path=str(OUT / "designer_test_run.png"))
        browser.close()
    for name in ("designer", "designer_overlay", "designer_test_run"):
        print("saved", OUT / f"{name}.png")
    if errors:
        print("console errors:", *errors, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
