"""``odoo-bin --addons-path=... audit_verify -d DB [--from DATE] [--to DATE] [--checkpoint]``

Recomputes the audit hash chains, compares them with the signed checkpoints
and prints the first broken entry.  Exit status 0 when intact, 1 when altered.
"""

import argparse
import json
import sys

import odoo
from odoo.cli import Command


class AuditVerify(Command):
    """Verify the workflow audit trail (hash chains and signed checkpoints)"""

    name = "audit_verify"

    def run(self, cmdargs):
        parser = argparse.ArgumentParser(prog="odoo-bin audit_verify", description=self.__doc__)
        parser.add_argument("-c", "--config", dest="config")
        parser.add_argument("-d", "--database", dest="db_name", required=True)
        parser.add_argument("--from", dest="date_from")
        parser.add_argument("--to", dest="date_to")
        parser.add_argument("--checkpoint", action="store_true", help="sign a checkpoint first")
        args, rest = parser.parse_known_args(cmdargs)
        odoo_args = ["-d", args.db_name, *rest]
        if args.config:
            odoo_args = ["-c", args.config, *odoo_args]
        odoo.tools.config.parse_config(odoo_args)
        registry = odoo.modules.registry.Registry(args.db_name)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if args.checkpoint:
                env["audit.chain"]._job_checkpoint()
            result = env["audit.chain"].verify(date_from=args.date_from, date_to=args.date_to)
        sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
        sys.exit(0 if result["ok"] else 1)
