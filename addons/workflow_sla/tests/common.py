from datetime import datetime

from odoo.tests import TransactionCase


def utc(*args):
    """A naive UTC datetime, as Odoo stores them."""
    return datetime(*args)


def scan_and_notify(env, now, limit=500):
    """One run of the scan job, then the notifier job it wakes once its flags are
    committed (``sla.event._job_notify``), until no event is pending."""
    done = env["sla.tracking"]._job_check_deadlines(limit=limit, now=now)
    while env["sla.event"]._job_notify(now=now):
        pass
    return done


class SlaCase(TransactionCase):
    """A Brussels calendar Mon-Fri 08:00-12:00 and 13:00-17:00 (8 h a day)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls._make_calendar("SLA test Brussels", "Europe/Brussels")
        cls.calendar_ny = cls._make_calendar("SLA test New York", "America/New_York")

    @classmethod
    def _make_calendar(cls, name, tz):
        attendances = []
        for day in "01234":
            attendances += [
                (
                    0,
                    0,
                    {"name": "AM", "dayofweek": day, "hour_from": 8, "hour_to": 12, "day_period": "morning"},
                ),
                (
                    0,
                    0,
                    {
                        "name": "PM",
                        "dayofweek": day,
                        "hour_from": 13,
                        "hour_to": 17,
                        "day_period": "afternoon",
                    },
                ),
            ]
        return cls.env["resource.calendar"].create({"name": name, "tz": tz, "attendance_ids": attendances})

    @classmethod
    def _holiday(cls, calendar, date_from, date_to, name="Public holiday"):
        return cls.env["resource.calendar.leaves"].create(
            {"name": name, "calendar_id": calendar.id, "date_from": date_from, "date_to": date_to}
        )


class SlaPartnerCase(SlaCase):
    """SLAs on contacts, a model every database has: ``is_company`` is the priority,
    ``function`` the stage (``waiting`` pauses, ``done`` stops, ``void`` cancels)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env["res.users"].create(
            {"name": "SLA Team Manager", "login": "sla_manager_test", "email": "slamgr@example.com"}
        )
        cls.agent = cls.env["res.users"].create(
            {"name": "SLA Agent", "login": "sla_agent_test", "email": "slaagent@example.com"}
        )
        # SLAs of other data (demo, the engine's defaults) must not interfere with the counts below
        cls.env["sla.definition"].search([]).active = False
        cls.team = cls.env["sla.team"].create({"name": "Retail desk", "manager_id": cls.manager.id})
        partner_model = cls.env["ir.model"]._get("res.partner")
        common = {
            "model_id": partner_model.id,
            "metric_type": "response_time",
            "calendar_id": cls.calendar.id,
            "team_id": cls.team.id,
            "warning_levels": "50,75",
            "start_domain": "[('ref', '=like', 'T-%')]",
            "pause_domain": "[('function', '=', 'waiting')]",
            "stop_domain": "[('function', '=', 'done')]",
            "cancel_domain": "[('function', '=', 'void')]",
        }
        cls.sla_high = cls.env["sla.definition"].create(
            dict(
                common,
                name="High priority",
                code="T_HIGH",
                sequence=1,
                critical_threshold=4,
                applies_domain="[('is_company', '=', True)]",
            )
        )
        cls.sla_normal = cls.env["sla.definition"].create(
            dict(
                common,
                name="Normal priority",
                code="T_NORMAL",
                sequence=2,
                critical_threshold=8,
                applies_domain="[('ref', '=like', 'T-%')]",
            )
        )

    def tracking(self, partner, metric="response_time"):
        return self.env["sla.tracking"].search(
            [("model_name", "=", "res.partner"), ("record_id", "=", partner.id), ("metric_type", "=", metric)]
        )
