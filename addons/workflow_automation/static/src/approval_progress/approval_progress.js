/** @odoo-module **/
import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

const ICONS = {
    approved: "fa-check-circle text-success",
    rejected: "fa-times-circle text-danger",
    pending: "fa-hourglass-half text-warning",
    waiting: "fa-circle-o text-muted",
    skipped: "fa-minus-circle text-muted",
};

/** Who approved, who is pending and in which order: one row per approver, grouped by level. */
export class ApprovalProgress extends Component {
    static template = "workflow_automation.ApprovalProgress";
    static props = { ...standardFieldProps };

    get rows() {
        return (this.props.record.data[this.props.name] || []).map((row) => ({
            ...row,
            icon: ICONS[row.status] || "fa-circle-o",
        }));
    }
}

registry.category("fields").add("approval_progress", { component: ApprovalProgress, supportedTypes: ["json"] });
