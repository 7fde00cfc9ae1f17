#!/usr/bin/env python3
"""The workflow template catalogue, generated from addons/workflow_templates/data/templates/.

    scripts/templates_catalogue.py           print the Markdown table
    scripts/templates_catalogue.py --write   replace the table in README.md
    scripts/templates_catalogue.py --check   exit 1 when README.md's table is not the files' (pre-commit)

Plain Python (no Odoo): reads the JSON files only.
"""

import ast
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(ROOT, "addons", "workflow_templates", "data", "templates")
README = os.path.join(ROOT, "README.md")
START = "<!-- templates-catalogue:start (scripts/templates_catalogue.py --write) -->"
END = "<!-- templates-catalogue:end -->"
FORMAT = os.path.join(ROOT, "addons", "workflow_templates", "tools", "template_format.py")


def categories():
    """The categories in the order the addon lists them (its CATEGORIES, read without importing Odoo)."""
    with open(FORMAT, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), FORMAT)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CATEGORIES" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise SystemExit(f"{FORMAT}: no CATEGORIES")


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def table():
    order = categories()
    rows = []
    for path in sorted(glob.glob(os.path.join(TEMPLATES, "*", "*.json"))):
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        meta = data["template"]
        config = data["definition"].get("workflow_config") or {}
        states = sorted(
            enumerate(config.get("states") or []),
            key=lambda item: (item[1].get("sequence", (item[0] + 1) * 10), item[0]),
        )
        rows.append(
            (
                order.index(meta["category"]) if meta["category"] in order else len(order),
                meta["code"],
                "| `{}` | {} | {} | `{}` | {} | {} |".format(
                    meta["code"],
                    cell(meta["name"]),
                    meta["category"],
                    meta["model"],
                    cell(", ".join(meta.get("modules") or []) or "—"),
                    cell(" → ".join(state["name"] for _i, state in states)),
                ),
            )
        )
    lines = [
        f"{len(rows)} templates.",
        "",
        "| code | name | category | target | apps needed | states |",
        "|---|---|---|---|---|---|",
    ]
    lines += [row for _cat, _code, row in sorted(rows)]
    return "\n".join(lines)


def main(argv):
    text = table()
    if not argv:
        print(text)
        return 0
    with open(README, encoding="utf-8") as handle:
        readme = handle.read()
    if START not in readme or END not in readme:
        print(f"README.md has no {START} ... {END} block", file=sys.stderr)
        return 1
    head, rest = readme.split(START, 1)
    _old, tail = rest.split(END, 1)
    new = f"{head}{START}\n{text}\n{END}{tail}"
    if argv[0] == "--check":
        if new != readme:
            print(
                "README.md's template catalogue is out of date: run scripts/templates_catalogue.py --write",
                file=sys.stderr,
            )
            return 1
        return 0
    if argv[0] == "--write":
        with open(README, "w", encoding="utf-8") as handle:
            handle.write(new)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
