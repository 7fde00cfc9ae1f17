/** @odoo-module **/
/*
 * A warehouse lead opens the alert dashboard: the low-stock card shows the product, its
 * quantity on hand against the reorder point with units and the warehouse, and a
 * Replenish button opening Odoo's replenishment for the missing quantity
 * (tests/test_tour.py raises the alert).
 */
import { registry } from "@web/core/registry";

const card = '.o_kanban_record:contains("Tour Milk 1L")';

registry.category("web_tour.tours").add("workflow_alerts_card", {
    test: true,
    url: "/web#action=workflow_alerts.action_alert_instance",
    steps: () => [
        {
            content: "The card shows the quantity on hand against the reorder point, in units, and the warehouse",
            trigger:
                `${card}:has(.o_alert_stock_text:contains("4 Units on hand, reorder point 10 Units"))` +
                ':contains("Tour Alerts Warehouse")',
            run() {
                const text = document.querySelector(".o_kanban_renderer").textContent;
                for (const raw of ["product.product", "context_data", '"min_qty"']) {
                    if (text.includes(raw)) {
                        throw new Error(`the alert card shows the raw "${raw}"`);
                    }
                }
            },
        },
        {
            content: "Replenish from the card",
            trigger: `${card} button.o_alert_replenish`,
        },
        {
            content: "Odoo's replenishment opens for the product, for the quantity missing up to the reorder point",
            // (inside a dialog the tour looks in the dialog: no ".modal" in the selectors)
            trigger: '.modal-content:has(.modal-title:contains("Replenish Tour Milk 1L")) .o_field_widget[name="quantity"]',
            run() {
                const field = document.querySelector('.modal .o_field_widget[name="quantity"]');
                const input = field.querySelector("input");
                const qty = parseFloat(input ? input.value : field.textContent);
                if (qty !== 6) {
                    throw new Error(`expected to replenish 6, got ${qty}`);
                }
            },
        },
        {
            content: "Close the dialog",
            trigger: '.modal-footer button[special="cancel"]',
        },
        {
            content: "Back on the dashboard",
            trigger: "body:not(:has(.modal)) .o_kanban_view",
            run() {},
        },
    ],
});
