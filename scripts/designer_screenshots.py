#!/usr/bin/env python3
"""Screenshots of the workflow designer for the README (designer, live overlay, test run),
taken in headless Chromium over the DevTools protocol (``websocket-client``, which Odoo's own
browser tests use); exits with 1 when the browser console shows an error.

    python scripts/designer_screenshots.py --url http://127.0.0.1:8069 --db workflow_demo \\
        --definition <id> --record "<part of a record's name>"
"""

import argparse
import base64
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


class Browser:
    def __init__(self, port=9333):
        self.profile = tempfile.mkdtemp(prefix="wfd_chrome_")
        self.proc = subprocess.Popen(
            [
                os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                "--window-size=1500,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as response:
                    pages = [p for p in json.load(response) if p["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60)
        self.ids = itertools.count(1)
        self.errors = []
        self.call("Runtime.enable")
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride", width=1500, height=900, deviceScaleFactor=1, mobile=False
        )

    def call(self, method, **params):
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("method") == "Runtime.exceptionThrown":
                self.errors.append(message["params"]["exceptionDetails"].get("text", "exception"))
            elif message.get("method") == "Runtime.consoleAPICalled" and message["params"]["type"] == "error":
                self.errors.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in message["params"]["args"])
                )
            if message.get("id") == msg_id:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result", {})

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait(self, selector, timeout=60):
        for _attempt in range(int(timeout * 5)):
            if self.js(f"!!document.querySelector({json.dumps(selector)})"):
                return
            time.sleep(0.2)
        raise TimeoutError(selector)

    def goto(self, url):
        self.call("Page.navigate", url=url)
        time.sleep(1)

    def click(self, selector):
        self.wait(selector)
        self.js(f"document.querySelector({json.dumps(selector)}).click()")
        time.sleep(0.5)

    def key(self, key):
        self.js(
            "document.querySelector('.o_workflow_designer').dispatchEvent("
            f"new KeyboardEvent('keydown', {{key: {json.dumps(key)}, bubbles: true}}))"
        )
        time.sleep(0.4)

    def shot(self, name):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        (OUT / f"{name}.png").write_bytes(base64.b64decode(data))
        print("saved", OUT / f"{name}.png")

    def close(self):
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="workflow_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--definition", type=int, required=True)
    parser.add_argument("--record", default="", help="part of the name of the record to test-run on")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    browser = Browser()
    try:
        browser.goto(f"{args.url}/web/login?db={args.db}")
        browser.wait("input[name=login]")
        browser.js(
            f"document.querySelector('input[name=login]').value = {json.dumps(args.login)};"
            f"document.querySelector('input[name=password]').value = {json.dumps(args.password)};"
            "document.querySelector('form.oe_login_form').submit()"
        )
        browser.wait(".o_main_navbar")
        browser.goto(f"{args.url}/web#model=workflow.definition&view_type=form&id={args.definition}")
        browser.click("button[name=action_open_designer]")
        browser.wait(".o_wfd_canvas canvas")
        time.sleep(1.5)
        for _step in range(2):
            browser.key("Tab")  # select the second state (the approval of the demo's credit review)
        browser.shot("designer")
        browser.key("Escape")
        browser.click(".o_wfd_overlay")
        time.sleep(1.5)
        browser.shot("designer_overlay")
        browser.click(".o_wfd_overlay")
        browser.click(".o_wfd_testrun")
        browser.wait(".o_wfd_panel .o-autocomplete--input")
        browser.js(
            "const i = document.querySelector('.o_wfd_panel .o-autocomplete--input');"
            f"i.value = {json.dumps(args.record)}; i.dispatchEvent(new Event('input', {{bubbles: true}}));"
        )
        browser.wait(".o-autocomplete--dropdown-item a")
        time.sleep(0.5)
        browser.click(".o-autocomplete--dropdown-item a")
        browser.wait(".o_wfd_test_state", timeout=30)
        browser.js("document.activeElement.blur(); document.querySelector('.o_wfd_panel h4').click()")
        time.sleep(1.5)
        browser.shot("designer_test_run")
    finally:
        browser.close()
    if browser.errors:
        print("console errors:", *browser.errors, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
