/** @odoo-module **/
/**
 * A Workflow Manager opens the designer from the definition's form, adds two states and their
 * transitions, saves; then creates a contact (the workflow starts on creation) and fires the
 * new transition from the running instance.  Prepared and checked by test_designer_ui.py.
 */
import { registry } from "@web/core/registry";

function setValue(selector, value) {
    return {
        content: `set ${selector} to ${value}`,
        trigger: selector,
        run() {
            const el = document.querySelector(selector);
            el.value = value;
            el.dispatchEvent(new Event("input", { bubbles: true }));
            el.dispatchEvent(new Event("change", { bubbles: true }));
        },
    };
}

function linkFrom(stateName) {
    return {
        content: `add a transition coming from ${stateName}`,
        trigger: ".o_wfd_panel select.o_wfd_link_from",
        run() {
            const select = document.querySelector(".o_wfd_panel select.o_wfd_link_from");
            const option = [...select.options].find((o) => o.textContent === stateName);
            select.value = option.value;
            select.dispatchEvent(new Event("change", { bubbles: true }));
        },
    };
}

registry.category("web_tour.tours").add("workflow_designer_draw_and_run", {
    test: true,
    steps: () => [
        {
            content: "open the designer from the definition's form",
            trigger: 'button[name="action_open_designer"]',
        },
        {
            content: "the graph is drawn",
            trigger: ".o_workflow_designer .o_wfd_canvas canvas",
            isCheck: true,
        },
        { content: "add a normal state", trigger: ".o_wfd_add_normal" },
        setValue(".o_wfd_panel input[name='name']", "Checking"),
        linkFrom("Draft"),
        {
            content: "the transition is selected: name it",
            trigger: ".o_wfd_panel .o_wfd_panel_title:contains(Transition)",
            isCheck: true,
        },
        setValue(".o_wfd_panel input[name='name']", "Check"),
        { content: "add an end state", trigger: ".o_wfd_add_end" },
        setValue(".o_wfd_panel input[name='name']", "Checked"),
        linkFrom("Checking"),
        {
            content: "the graph is valid: no problem shown",
            trigger: ".o_wfd_save:not([disabled])",
            extra_trigger: ".o_workflow_designer:not(:has(.o_wfd_problems))",
        },
        {
            content: "saved",
            trigger: ".o_notification:contains(Workflow saved)",
            isCheck: true,
        },
        {
            content: "create a contact: the workflow starts",
            trigger: ".o_wfd_title",
            run() {
                window.location.href = "/web?reload=contact#action=base.action_partner_form&view_type=form";
            },
        },
        setValue(".o_form_view div[name='name'] input", "Designer Tour Creamery"),
        { content: "save the contact", trigger: ".o_form_button_save" },
        {
            content: "saved",
            trigger: ".o_form_saved",
            run() {
                window.location.href = "/web?reload=instances#action=workflow_automation.action_workflow_instance&view_type=list";
            },
        },
        { content: "open its running instance", trigger: ".o_data_row:contains(Designer Tour Creamery) td.o_data_cell" },
        { content: "fire the new transition", trigger: ".o_form_view button:contains(Check)" },
        {
            content: "the instance is in the new state",
            trigger: ".o_form_view .o_field_widget[name='current_state_id']:contains(Checking)",
            isCheck: true,
        },
    ],
});
