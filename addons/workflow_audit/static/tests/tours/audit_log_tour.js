/** @odoo-module **/
/*
 * Journey 3: an auditor reads a change.  The test (tests/test_tour.py) has an
 * administrator rename a contact, change its address type, country and company;
 * an auditor finds the change in the audit log and reads it in words.
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const diffRow = (label, before, after) =>
    `.o_audit_diff tr:has(td.o_audit_field:contains("${label}"))` +
    `:has(td.o_audit_old:contains("${before}")):has(td.o_audit_new:contains("${after}"))`;

registry.category("web_tour.tours").add("workflow_audit_read_change", {
    test: true,
    url: "/web",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Audit Trail app (its first menu is the Audit Log)",
            trigger: '.o_app[data-menu-xmlid="workflow_audit.menu_audit_root"]',
        },
        {
            content: "The audit log lists entries",
            trigger: ".o_list_view .o_data_row",
            run() {},
        },
        {
            content: "Drop the default period (this month in the browser's time zone): the test must not depend on the date",
            trigger: '.o_searchview_facet:contains("Period") .o_facet_remove',
        },
        {
            content: "Search the contact by its name",
            extra_trigger: '.o_searchview:not(:has(.o_searchview_facet:contains("Period")))',
            trigger: ".o_searchview_input",
            run: "text Tour Dairy Ltd",
        },
        {
            content: "Search it as a record",
            trigger: '.o_searchview_autocomplete .o_menu_item:contains("Record")',
        },
        {
            content: "The list names the model by its label, never its technical name",
            trigger:
                '.o_list_view .o_data_row:has(td[name="model_id"]:contains("Contact"))' +
                ':has(td[name="record_display"]:contains("Tour Dairy Ltd"))',
            extra_trigger: '.o_searchview_facet:contains("Tour Dairy Ltd")',
            run() {
                const table = document.querySelector(".o_list_view .o_list_table");
                if (table.textContent.includes("res.partner")) {
                    throw new Error("the audit log list shows a technical model name");
                }
            },
        },
        {
            content: "Open the update",
            trigger: '.o_data_row:has(td[name="action_type"]:contains("Update")) td[name="record_display"]',
        },
        {
            content: "The model is named by its label",
            trigger: '.o_form_view .o_field_widget[name="model_label"]:contains("Contact")',
            run() {},
        },
        {
            content: "The name change, old → new",
            trigger: diffRow("Name", "Tour Dairy", "Tour Dairy Ltd"),
            run() {},
        },
        {
            content: "A selection field shows its labels, not its keys",
            trigger: diffRow("Address Type", "Contact", "Invoice Address"),
            run() {},
        },
        {
            content: "Many2one values show the records' names, blank for none",
            trigger: `${diffRow("Country", "", "Belgium")}, ${diffRow("Related Company", "", "Tour Holding")}`,
            run() {
                for (const row of document.querySelectorAll(".o_audit_diff tr")) {
                    if (row.textContent.includes("Related Company")) {
                        const before = row.querySelector("td.o_audit_old").textContent.trim();
                        if (before !== "") {
                            throw new Error(`"none" must be blank, got ${before}`);
                        }
                    }
                }
                const form = document.querySelector(".o_form_view").textContent;
                for (const raw of ["res.partner", "invoice", "country_id", "parent_id"]) {
                    if (form.includes(raw)) {
                        throw new Error(`the audit entry shows the raw "${raw}"`);
                    }
                }
            },
        },
        {
            content: "Follow the link to the record",
            trigger: '.o_field_widget[name="record_ref"] a:contains("Tour Dairy Ltd")',
        },
        {
            content: "The contact opens, with the audit entry in the breadcrumbs",
            trigger: '.o_form_view .o_field_widget[name="name"]:contains("Tour Dairy Ltd"), .o_form_view .o_field_widget[name="name"] input',
            extra_trigger: '.o_breadcrumb:contains("Audit Log")',
            run() {},
        },
    ],
});
