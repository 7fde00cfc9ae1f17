/** @odoo-module **/
/*
 * An employee files a request and sends it on: Workflows > My Work > Requests, New, subject,
 * category "System access request" (its workflow was adopted from a template by the test),
 * what is needed, Save, Submit: the request now waits for the line manager's approval
 * (tests/test_tour.py checks the approval request).
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("workflow_templates_file_request", {
    test: true,
    url: "/web",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Workflows app",
            trigger: '.o_app[data-menu-xmlid="workflow_automation.menu_workflow_root"]',
        },
        {
            content: "Open the My Work section of the menu bar",
            trigger: '.o_menu_sections [data-menu-xmlid="workflow_automation.menu_workflow_my_work"]',
        },
        {
            content: "Open the requests",
            trigger: '.dropdown-item[data-menu-xmlid="workflow_templates.menu_workflow_request"]',
        },
        {
            content: "File a new request",
            trigger: ".o_control_panel_main_buttons button.o-kanban-button-new, .o_control_panel_main_buttons button.o_list_button_add",
        },
        {
            content: "Say what it is about",
            trigger: '.o_field_widget[name="name"] textarea, .o_field_widget[name="name"] input',
            run: "text Access to the weighbridge",
        },
        {
            content: "Choose its category",
            trigger: '.o_field_widget[name="category_id"] input',
            run: "text System access",
        },
        {
            content: "System access request",
            trigger: '.o-autocomplete--dropdown-item a:contains("System access request")',
        },
        {
            content: "Say what is needed",
            trigger: '.o_field_widget[name="description"] .odoo-editor-editable',
            run: "text I weigh the tankers on the night shift from Monday.",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
        },
        {
            content: "Its workflow has started: Submit is offered",
            trigger: '.o_form_saved .o_workflow_buttons button:contains("Submit")',
        },
        {
            content: "The request waits for the line manager's approval",
            trigger: '.o_field_widget[name="workflow_state_name"]:contains("Line manager approval")',
            isCheck: true,
        },
    ],
});
