/** @odoo-module **/
/*
 * A process owner adopts a ready workflow: Workflows > Design > Templates, the "System access
 * request" card, Use template, a name, who takes the role nobody was proposed for, Create
 * workflow: the new draft workflow opens (tests/test_tour.py checks what was stored).
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const noTechnicalNames = () => {
    const text = document.querySelector(".o_action_manager").textContent;
    for (const raw of ["workflow.request", "workflow.template", "line_manager", "ACCESS_REQUEST"]) {
        if (text.includes(raw)) {
            throw new Error(`the screen shows the raw "${raw}"`);
        }
    }
};

registry.category("web_tour.tours").add("workflow_templates_use_template", {
    test: true,
    url: "/web",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Workflows app",
            trigger: '.o_app[data-menu-xmlid="workflow_automation.menu_workflow_root"]',
        },
        {
            content: "Open the Design section of the menu bar",
            trigger: '.o_menu_sections [data-menu-xmlid="workflow_automation.menu_workflow_design"]',
        },
        {
            content: "Open the template gallery",
            trigger: '.dropdown-item[data-menu-xmlid="workflow_templates.menu_workflow_template"]',
        },
        {
            content: "The gallery's cards say what each workflow does and on what",
            trigger: '.o_kanban_record:contains("System access request"):contains("Request")',
            run: noTechnicalNames,
        },
        {
            content: "Use the System access request template",
            trigger: '.o_kanban_record:contains("System access request") button[name="action_use"]',
        },
        {
            content: "Name the new workflow",
            trigger: '.o_field_widget[name="name"] input',
            run: "text Weighbridge access",
        },
        {
            content: "The administrators' group is proposed for the administrator's role",
            trigger: '.o_data_row:contains("System administrator"):contains("Settings")',
            isCheck: true,
        },
        {
            content: "Choose who is the line manager",
            trigger: '.o_data_row:contains("Line manager") td[name="user_ids"]',
        },
        {
            content: "Type the line manager's name",
            trigger: '.o_data_row:contains("Line manager") td[name="user_ids"] input',
            run: "text Lina Linemanager",
        },
        {
            content: "Pick her",
            trigger: '.o-autocomplete--dropdown-item a:contains("Lina Linemanager")',
        },
        {
            content: "She takes the role",
            trigger: '.o_data_row:contains("Line manager") .o_tag:contains("Lina Linemanager")',
            isCheck: true,
        },
        {
            content: "Create the workflow",
            trigger: '.modal-footer button[name="action_create"]',
        },
        {
            content: "The new draft workflow opens (the dialog is gone)",
            trigger: 'body:not(:has(.modal)) .o_breadcrumb .active:contains("Weighbridge access")',
            in_modal: false,
        },
        {
            content: "with the template's steps, in words",
            trigger:
                '.o_form_view:has(.o_field_widget[name="state_ids"]:contains("Line manager approval"))' +
                ':has(.o_field_widget[name="state_ids"]:contains("System administrator approval"))',
            run: noTechnicalNames,
        },
    ],
});
