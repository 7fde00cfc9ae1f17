/** @odoo-module **/
import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

/** Systray counter of the approvals waiting for the current user (one indexed count per minute). */
export class ApprovalSystray extends Component {
    static template = "workflow_automation.ApprovalSystray";
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ count: 0 });
        onWillStart(() => this.refresh());
        const timer = setInterval(() => this.refresh(), 60000);
        onWillUnmount(() => clearInterval(timer));
    }

    async refresh() {
        this.state.count = await this.orm.call("approval.request", "get_my_pending_count", []);
    }

    onClick() {
        this.action.doAction("workflow_automation.action_my_approvals");
    }
}

registry.category("systray").add("workflow_automation.approval_systray", { Component: ApprovalSystray }, { sequence: 30 });
