/** @odoo-module **/
/*
 * A manager reads the SLA dashboard: the key figures above the trackings, a figure opens
 * the trackings it counts, a finished SLA reads "Met in 2 h 10 min of 4 h" and names its
 * document (tests/test_tour.py builds the trackings in a company of their own).
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const noTechnicalNames = () => {
    const text = document.querySelector(".o_action_manager").textContent;
    for (const raw of ["res.partner", "sla.tracking", "on_track"]) {
        if (text.includes(raw)) {
            throw new Error(`the SLA dashboard shows the raw "${raw}"`);
        }
    }
};

registry.category("web_tour.tours").add("workflow_sla_dashboard", {
    test: true,
    url: "/web",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open Service Levels (its first menu is the SLA dashboard)",
            trigger: '.o_app[data-menu-xmlid="workflow_sla.menu_sla_root"]',
        },
        {
            content: "The key figures: 3 active, 1 at risk, 1 breached, 75 % achieved this month (3 of 4)",
            trigger:
                '.o_sla_dashboard:has(.o_sla_kpi_running .fs-2:contains("3"))' +
                ':has(.o_sla_kpi_at_risk .fs-2:contains("1"))' +
                ':has(.o_sla_kpi_breached .fs-2:contains("1"))' +
                ':has(.o_sla_kpi_achieved .fs-2:contains("75 %"))' +
                ':has(.o_sla_kpi_achieved:contains("3 of 4"))',
            run: noTechnicalNames,
        },
        {
            content: "Open the SLAs at risk",
            trigger: ".o_sla_kpi_at_risk",
        },
        {
            content: "Only the one at risk is listed, with its document and the document's type",
            trigger:
                '.o_kanban_renderer:not(:has(.o_kanban_record:contains("Tour Running Dairy")))' +
                ' .o_kanban_record:contains("Tour Risky Dairy"):contains("Contact")',
            extra_trigger: '.o_searchview_facet:contains("At Risk, Not Breached")',
            run() {
                const cards = document.querySelectorAll(".o_kanban_record:not(.o_kanban_ghost)");
                if (cards.length !== 1) {
                    throw new Error(`expected 1 tracking at risk, got ${cards.length}`);
                }
                noTechnicalNames();
            },
        },
        {
            content: "Open the SLAs met or breached this month",
            trigger: ".o_sla_kpi_achieved",
        },
        {
            content: "A met SLA says how long it took of its target",
            trigger:
                '.o_kanban_renderer:not(:has(.o_kanban_record:contains("Tour Risky Dairy")))' +
                ' .o_kanban_record:contains("Tour Met Dairy 1"):contains("Met in 2 h 10 min of 4 h")',
            extra_trigger: '.o_searchview_facet:contains("Met or Breached This Month")',
        },
        {
            content: "Its form names the document and links to it",
            trigger:
                '.o_form_view .o_field_widget[name="duration_text"]:contains("Met in 2 h 10 min of 4 h")',
            extra_trigger: '.o_form_view .o_field_widget[name="record_ref"] a:contains("Tour Met Dairy 1")',
            run: noTechnicalNames,
        },
    ],
});
