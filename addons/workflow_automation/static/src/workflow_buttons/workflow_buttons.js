/** @odoo-module **/
import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * Buttons for the transitions the current user may fire on a record's workflow.
 * The field holds [{id, label, class, require_comment}] computed by the server;
 * a click saves the record, then calls action_workflow_fire (which opens the
 * comment wizard when the transition needs one).
 */
export class WorkflowButtons extends Component {
    static template = "workflow_automation.WorkflowButtons";
    static props = { ...standardFieldProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
    }

    get transitions() {
        return this.props.record.data[this.props.name] || [];
    }

    async onClick(transition) {
        const record = this.props.record;
        if ((await record.save()) === false) {
            return;
        }
        const result = await this.orm.call(record.resModel, "action_workflow_fire", [
            [record.resId],
            transition.id,
        ]);
        if (result && typeof result === "object") {
            await this.action.doAction(result, { onClose: () => record.load() });
        } else {
            await record.load();
        }
    }
}

export const workflowButtons = {
    component: WorkflowButtons,
    supportedTypes: ["json"],
};

registry.category("fields").add("workflow_buttons", workflowButtons);
