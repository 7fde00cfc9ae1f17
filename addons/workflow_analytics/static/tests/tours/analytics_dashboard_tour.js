/** @odoo-module **/
/**
 * A workflow manager opens the analytics dashboard (Workflows > Analytics), picks the week of the constructed
 * history (test_dashboard.py) and follows the bottleneck to the stays behind it.
 */
import { registry } from "@web/core/registry";

function setDate(selector, value) {
    const input = document.querySelector(selector);
    input.value = value;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

registry.category("web_tour.tours").add("workflow_analytics_dashboard", {
    test: true,
    url: "/web#action=workflow_analytics.action_workflow_analytics_dashboard",
    steps: () => [
        {
            content: "the KPI cards are shown",
            trigger: ".o_wfa_kpi",
            isCheck: true,
        },
        {
            content: "period from 2 March 2026",
            trigger: "input.o_wfa_date_from",
            run: () => setDate("input.o_wfa_date_from", "2026-03-02"),
        },
        {
            content: "to 8 March 2026",
            trigger: "input.o_wfa_date_to",
            run: () => setDate("input.o_wfa_date_to", "2026-03-08"),
        },
        {
            content: "the bottleneck is the review, one instance waits there",
            trigger: '.o_wfa_bottleneck:contains("Review"):contains("1 instance(s) waiting there now")',
            isCheck: true,
        },
        {
            content: "the slowest approver comes first",
            trigger: '.o_wfa_approvers tbody tr:first:contains("Wanda Manager")',
            isCheck: true,
        },
        {
            content: "open the stays behind the bottleneck",
            trigger: '.o_wfa_bottleneck p:contains("of the cycle time")',
        },
        {
            content: "the four review stays of the finished instances are listed",
            trigger: ".o_list_view .o_data_row:nth-child(4)",
            extra_trigger: ".o_breadcrumb:contains('Time in States')",
            isCheck: true,
        },
    ],
});
