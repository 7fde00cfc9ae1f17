/** @odoo-module **/
/**
 * Journey 2: a Workflow Manager adds a state, and the transitions that reach it and leave it,
 * to an active definition from its form, in one save.  The Python side (test_definition_edit.py)
 * prepares "Tour flow" with a running instance and checks the result (a new version).
 */
import { registry } from "@web/core/registry";

// while a dialog is open, the tour looks for triggers inside it
const incoming = 'div[name="incoming_transition_ids"]';
const outgoing = 'div[name="outgoing_transition_ids"]';

registry.category("web_tour.tours").add("workflow_automation_edit_live_definition", {
    test: true,
    // Workflows > Definitions (opened by its action: with every addon of the suite installed the
    // app's menu bar is wider than the test browser, and Definitions may sit under "More")
    url: "/web#action=workflow_automation.action_workflow_definition",
    steps: () => [
        {
            content: "open the active definition",
            trigger: '.o_kanban_record:contains("Tour flow")',
        },
        {
            content: "the States tab lists its states",
            trigger: 'div[name="state_ids"] .o_data_row:contains("Review")',
            isCheck: true,
        },
        {
            content: "add a state",
            trigger: 'div[name="state_ids"] .o_field_x2many_list_row_add a',
        },
        {
            content: "name it",
            trigger: 'div[name="name"] input',
            extra_trigger: ".modal .o_form_view",
            run: "text Quality check",
        },
        {
            content: "give it a code",
            trigger: 'div[name="code"] input',
            run: "text quality_check",
        },
        {
            content: "a Normal state shows no approval settings",
            trigger: 'div[name="timeout_hours"]',
            extra_trigger: '.modal:not(:has(div[name="approver_user_ids"]))',
            isCheck: true,
        },
        {
            content: "reached from Draft: add a transition under Comes from",
            trigger: `${incoming} .o_field_x2many_list_row_add a`,
        },
        {
            content: "from Draft",
            trigger: `${incoming} .o_data_row div[name="from_state_id"] input`,
            run: "text Draft",
        },
        {
            content: "pick Draft",
            trigger: '.o-autocomplete--dropdown-menu .o-autocomplete--dropdown-item a:contains("Draft")',
        },
        {
            content: "name the transition",
            trigger: `${incoming} .o_data_row div[name="name"] input`,
            run: "text Check quality",
        },
        {
            content: "open Leads to",
            trigger: '.nav-link:contains("Leads to")',
        },
        {
            content: "add the way out",
            trigger: `${outgoing} .o_field_x2many_list_row_add a`,
        },
        {
            content: "name it",
            trigger: `${outgoing} .o_data_row div[name="name"] input`,
            run: "text Quality passed",
        },
        {
            content: "to Review",
            trigger: `${outgoing} .o_data_row div[name="to_state_id"] input`,
            run: "text Review",
        },
        {
            content: "pick Review",
            trigger: '.o-autocomplete--dropdown-menu .o-autocomplete--dropdown-item a:contains("Review")',
        },
        {
            content: "close the state",
            trigger: ".modal-footer .o_form_button_save",
        },
        {
            content: "the new state is listed",
            trigger: 'div[name="state_ids"] .o_data_row:contains("Quality check")',
            extra_trigger: "body:not(:has(.modal))",
            isCheck: true,
        },
        {
            content: "save the definition: states and transitions in one save",
            trigger: ".o_form_status_indicator_buttons .o_form_button_save",
        },
        {
            content: "saved",
            trigger: ".o_form_saved",
            extra_trigger: "body:not(:has(.o_notification.border-danger, .o_error_dialog))",
            isCheck: true,
        },
        {
            content: "running instances kept the old version: this is version 2",
            trigger: 'div[name="version"]:contains("2")',
            isCheck: true,
        },
        {
            content: "open the Transitions tab",
            trigger: '.nav-link:contains("Transitions")',
        },
        {
            content: "the transitions added in the state are there",
            trigger: 'div[name="transition_ids"] .o_data_row:contains("Check quality")',
            extra_trigger: 'div[name="transition_ids"] .o_data_row:contains("Quality passed")',
            isCheck: true,
        },
    ],
});
