from odoo import _, api, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# SLA trackings that belong to a workflow instance: on the instance itself or on its document
TRACKING_OF_INSTANCE = SQL(
    "((t.model_name = 'workflow.instance' AND t.record_id = i.id)"
    " OR (t.model_name = i.model_name AND t.record_id = i.record_id))"
)


class WorkflowAnalytics(models.AbstractModel):
    _inherit = "workflow.analytics"

    @api.model
    def _parse_filters(self, filters):
        flt = super()._parse_filters(filters)
        team = (filters or {}).get("team_id")
        if team and not isinstance(team, int):
            raise ValidationError(_("team_id must be the id of an SLA team."))
        flt["team_id"] = team or False
        return flt

    @api.model
    def _extra_instance_domain(self, flt):
        """Team filter: the instances with an SLA tracking of the team (the team must be readable)."""
        domain = super()._extra_instance_domain(flt)
        if not flt.get("team_id"):
            return domain
        team = self.env["sla.team"].search([("id", "=", flt["team_id"])])
        trackings = self.env["sla.tracking"]._search([("team_id", "in", team.ids)])
        self.env.cr.execute(
            SQL(
                """SELECT i.id FROM workflow_instance i
                    WHERE EXISTS (SELECT 1 FROM sla_tracking t WHERE t.id IN %s AND %s)""",
                trackings.subselect(),
                TRACKING_OF_INSTANCE,
            )
        )
        return domain + [("id", "in", [row[0] for row in self.env.cr.fetchall()])]

    @api.model
    def get_dashboard(self, filters=None):
        data = super().get_dashboard(filters)
        data["teams"] = [{"id": t.id, "name": t.name} for t in self.env["sla.team"].search([])]
        return data

    @api.model
    def _extra_figures(self, scope, flt):
        """SLA achieved % (met / (met + breached)) of the trackings decided in the period:
        met when completed in time, breached when the due date passed."""
        extra = super()._extra_figures(scope, flt)
        figures = self._sla_figures(scope, flt["p0"], flt["p1"], flt["tz"])
        previous = self._sla_figures(scope, flt["prev0"], flt["p0"], flt["tz"])
        prev_by_sla = {line[0]: line[-1] for line in previous["per_sla"]}
        extra["sla"] = {
            "title": _("SLA achieved"),
            "columns": [_("SLA"), _("Met"), _("Breached"), _("Achieved %"), _("Previous period %")],
            "rows": [
                [name, met, breached, pct, prev_by_sla.get(name)]
                for name, met, breached, pct in figures["per_sla"]
            ],
            "per_sla": figures["per_sla"],
            "per_team": figures["per_team"],
            "per_month": figures["per_month"],
            "previous": previous,
        }
        extra["sla_team"] = {
            "title": _("SLA achieved per team and month"),
            "columns": [_("Team"), _("Month"), _("Met"), _("Breached"), _("Achieved %")],
            "rows": [list(line) for line in figures["per_team_month"]],
        }
        return extra

    @api.model
    def _sla_figures(self, scope, p0, p1, tz):
        trackings = self.env["sla.tracking"]._search([])
        self.env.cr.execute(
            SQL(
                """
                WITH d AS (
                    SELECT t.sla_id, t.team_id, t.status,
                           CASE WHEN t.status = 'met' THEN t.completed_at ELSE t.breached_at END AS decided_at
                      FROM sla_tracking t
                     WHERE t.id IN %(trackings)s
                       AND t.status IN ('met', 'breached')
                       AND EXISTS (SELECT 1 FROM workflow_instance i WHERE i.id IN %(scope)s AND %(of_instance)s)
                ), p AS (
                    SELECT * FROM d WHERE d.decided_at >= %(p0)s AND d.decided_at < %(p1)s
                )
                SELECT 'sla', COALESCE(s.name->>%(lang)s, s.name->>'en_US'), NULL,
                       count(*) FILTER (WHERE p.status = 'met'), count(*) FILTER (WHERE p.status = 'breached')
                  FROM p JOIN sla_definition s ON s.id = p.sla_id GROUP BY 2
                UNION ALL
                SELECT 'team', COALESCE(tm.name->>%(lang)s, tm.name->>'en_US', %(no_team)s), NULL,
                       count(*) FILTER (WHERE p.status = 'met'), count(*) FILTER (WHERE p.status = 'breached')
                  FROM p LEFT JOIN sla_team tm ON tm.id = p.team_id GROUP BY 2
                UNION ALL
                SELECT 'month', NULL,
                       to_char(date_trunc('month', (p.decided_at AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s), 'YYYY-MM'),
                       count(*) FILTER (WHERE p.status = 'met'), count(*) FILTER (WHERE p.status = 'breached')
                  FROM p GROUP BY 3
                UNION ALL
                SELECT 'team_month', COALESCE(tm.name->>%(lang)s, tm.name->>'en_US', %(no_team)s),
                       to_char(date_trunc('month', (p.decided_at AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s), 'YYYY-MM'),
                       count(*) FILTER (WHERE p.status = 'met'), count(*) FILTER (WHERE p.status = 'breached')
                  FROM p LEFT JOIN sla_team tm ON tm.id = p.team_id GROUP BY 2, 3
                """,
                trackings=trackings.subselect(),
                scope=scope["instances"],
                of_instance=TRACKING_OF_INSTANCE,
                p0=p0,
                p1=p1,
                tz=tz,
                lang=self.env.lang or "en_US",
                no_team=_("No team"),
            )
        )
        out = {"per_sla": [], "per_team": [], "per_month": [], "per_team_month": []}
        for kind, name, month, met, breached in sorted(
            self.env.cr.fetchall(), key=lambda r: (r[0], r[1] or "", r[2] or "")
        ):
            pct = round(100.0 * met / (met + breached), 2) if met + breached else None
            if kind == "sla":
                out["per_sla"].append((name, met, breached, pct))
            elif kind == "team":
                out["per_team"].append((name, met, breached, pct))
            elif kind == "month":
                out["per_month"].append((month, met, breached, pct))
            else:
                out["per_team_month"].append((name, month, met, breached, pct))
        return out
