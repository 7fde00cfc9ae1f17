/** @odoo-module **/
/**
 * Journey 1: a salesman's quotation approved at two levels by approvers who open the order and
 * decide on it. Three tours, one per person; the Python side (tests/test_tour.py) prepares the
 * people and the matrix and checks the order and its chatter at the end.
 */
import { registry } from "@web/core/registry";

const CUSTOMER = "Tour Dairy Shop";
const PRODUCT = "Tour milk tanker, monthly contract"; // 60,000 a month: above the 50,000 band

registry.category("web_tour.tours").add("workflow_sale_journey_salesman", {
    test: true,
    url: "/web#action=sale.action_quotations_with_onboarding&view_type=form",
    steps: () => [
        {
            content: "choose the customer",
            timeout: 60000, // the first page load builds the assets of a fresh database
            trigger: 'div[name="partner_id"] input',
            run: `text ${CUSTOMER}`,
        },
        {
            content: "pick it",
            trigger: `.o-autocomplete--dropdown-item a:contains("${CUSTOMER}")`,
        },
        {
            content: "add a product line",
            trigger: 'div[name="order_line"] .o_field_x2many_list_row_add a',
        },
        {
            content: "type the product",
            trigger:
                '.o_selected_row div[name="product_template_id"] input, .o_selected_row div[name="product_id"] input',
            run: `text ${PRODUCT}`,
        },
        {
            content: "pick the product",
            trigger: `.o-autocomplete--dropdown-item a:contains("${PRODUCT}")`,
        },
        {
            content: "its price is filled in",
            trigger: '.o_selected_row div[name="price_unit"] input',
            extra_trigger: '.o_selected_row div[name="price_subtotal"]:contains("60,000")',
            isCheck: true,
        },
        {
            content: "save the quotation",
            trigger: ".o_form_button_save",
        },
        {
            content: "it needs approval before confirmation",
            trigger: '.alert-warning:contains("needs approval before confirmation")',
            isCheck: true,
        },
        {
            content: "request approval",
            trigger: 'button[name="action_request_approval"]',
        },
        {
            content: "the banner says it is submitted and who decides now",
            trigger: '.o_sale_approval_banner:contains("Submitted for approval by Sam Tour-Salesman"):contains("Mia Tour-Manager")',
            isCheck: true,
        },
        {
            content: "the chatter says it in the button's words",
            trigger: '.o-mail-Message:contains("Requested approval")',
            isCheck: true,
        },
    ],
});

function decideFromMyApprovals(level, expected) {
    return [
        {
            content: "the systray counts one approval waiting, and opens My Approvals",
            trigger: ".o_workflow_approval_systray button",
            extra_trigger: '.o_workflow_approval_counter:contains("1")',
        },
        {
            content: "My Approvals lists the order with its facts",
            trigger: `.o_list_view .o_data_row:contains("${CUSTOMER}"):contains("${level}") td[name="record_name"]`,
        },
        {
            content: "the request shows what to decide on: amount, customer, salesman, lines",
            trigger: 'div[name="summary_amount"]:contains("60,000")',
            extra_trigger: `div[name="summary_partner_id"]:contains("${CUSTOMER}"), div[name="summary_lines"]:contains("${PRODUCT}")`,
            isCheck: true,
        },
        {
            content: "open the order itself",
            trigger: 'button[name="action_open_record"]',
        },
        {
            content: "the order's form opens, with Approve for the approver whose turn it is",
            trigger: '.o_form_view .o_statusbar_buttons button[name="action_workflow_approve"]',
            extra_trigger: '.o_form_view .o_sale_approval_banner:contains("Submitted for approval")',
        },
        {
            content: "the client says what happens next",
            trigger: `.o_notification:contains("${expected}")`,
            isCheck: true,
            timeout: 30000, // the last approval confirms the order (deliveries with stock)
        },
        {
            content: "no Approve button any more: it is not this user's turn",
            trigger: '.o_form_view:not(:has(button[name="action_workflow_approve"]))',
            isCheck: true,
        },
    ];
}

registry.category("web_tour.tours").add("workflow_sale_journey_manager", {
    test: true,
    url: "/web",
    steps: () => decideFromMyApprovals("Level 1 of 2", "now waiting for Fay Tour-Finance"),
});

registry.category("web_tour.tours").add("workflow_sale_journey_finance", {
    test: true,
    url: "/web",
    steps: () => [
        ...decideFromMyApprovals("Level 2 of 2", "is now Approved"),
        {
            content: "the chatter has both decisions in people's words",
            trigger: '.o-mail-Message:contains("Approved by Fay Tour-Finance (level 2 of 2)")',
            isCheck: true,
        },
    ],
});
