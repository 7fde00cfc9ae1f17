/** @odoo-module **/
import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/**
 * Systray counter of the approvals waiting for the current user.
 *
 * The server sends a `workflow_automation/approvals` bus notification to every
 * user whose approvals change (request created or escalated to them, decided,
 * delegated, cancelled); the counter then asks for its one indexed count.
 * No polling: after the bus reconnects (notifications missed while offline)
 * the count is asked again.
 */
export class ApprovalSystray extends Component {
    static template = "workflow_automation.ApprovalSystray";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        // bus_service is an async service: useService() cannot wrap it (Odoo reads it from env.services)
        this.busService = this.env.services.bus_service;
        this.state = useState({ count: 0 });
        this.alive = true;
        const refresh = () => this.alive && this.refresh();
        onWillStart(() => this.refresh());
        this.busService.subscribe("workflow_automation/approvals", refresh);
        this.busService.addEventListener("reconnect", refresh);
        this.busService.start();
        onWillUnmount(() => {
            this.alive = false;
            this.busService.removeEventListener("reconnect", refresh);
        });
    }

    async refresh() {
        this.state.count = await this.orm.call("approval.request", "get_my_pending_count", []);
    }

    onClick() {
        this.action.doAction("workflow_automation.action_my_approvals");
    }
}

registry.category("systray").add("workflow_automation.approval_systray", { Component: ApprovalSystray }, { sequence: 30 });
