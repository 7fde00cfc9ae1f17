from odoo import _, api, models
from odoo.tools import SQL


class WorkflowAnalytics(models.AbstractModel):
    _inherit = "workflow.analytics"

    @api.model
    def _extra_figures(self, scope, flt):
        """Alerts raised in the period per rule, and how long they waited to be acknowledged."""
        extra = super()._extra_figures(scope, flt)
        current = self._alert_figures(scope, flt["p0"], flt["p1"])
        previous = {line["rule"]: line for line in self._alert_figures(scope, flt["prev0"], flt["p0"])}
        extra["alerts"] = {
            "title": _("Alerts"),
            "columns": [
                _("Rule"),
                _("Raised"),
                _("Acknowledged"),
                _("Median hours to acknowledge"),
                _("90th percentile hours"),
                _("Raised in the previous period"),
                _("Previous median hours"),
            ],
            "rows": [
                [
                    line["rule"],
                    line["raised"],
                    line["acknowledged"],
                    line["ack_p50"],
                    line["ack_p90"],
                    previous.get(line["rule"], {}).get("raised", 0),
                    previous.get(line["rule"], {}).get("ack_p50"),
                ]
                for line in current
            ],
            "per_rule": current,
        }
        return extra

    @api.model
    def _alert_figures(self, scope, p0, p1):
        """Alerts of the caller's companies (alerts follow stock and records, not a workflow)."""
        alerts = self.env["alert.instance"]._search([("company_id", "in", scope["company_ids"])])
        self.env.cr.execute(
            SQL(
                """
                SELECT COALESCE(r.name->>%(lang)s, r.name->>'en_US'), count(*),
                       count(*) FILTER (WHERE a.acknowledged_at IS NOT NULL),
                       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (
                           ORDER BY EXTRACT(EPOCH FROM a.acknowledged_at - a.triggered_at) / 3600.0)
                           FILTER (WHERE a.acknowledged_at IS NOT NULL)
                  FROM alert_instance a JOIN alert_rule r ON r.id = a.rule_id
                 WHERE a.id IN %(alerts)s AND a.triggered_at >= %(p0)s AND a.triggered_at < %(p1)s
                 GROUP BY 1 ORDER BY 2 DESC, 1
                """,
                lang=self.env.lang or "en_US",
                alerts=alerts.subselect(),
                p0=p0,
                p1=p1,
            )
        )
        return [
            {
                "rule": rule,
                "raised": raised,
                "acknowledged": acked,
                "ack_p50": round(pct[0], 2) if pct and pct[0] is not None else None,
                "ack_p90": round(pct[1], 2) if pct and pct[1] is not None else None,
            }
            for rule, raised, acked, pct in self.env.cr.fetchall()
        ]
