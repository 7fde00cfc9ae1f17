/** @odoo-module */
import { registry } from "@web/core/registry";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { listView } from "@web/views/list/list_view";
import { ListRenderer } from "@web/views/list/list_renderer";
import { SlaDashboard } from "./sla_dashboard";

export class SlaDashboardListRenderer extends ListRenderer {
    static template = "workflow_sla.SlaDashboardListRenderer";
    static components = { ...ListRenderer.components, SlaDashboard };
}

export class SlaDashboardKanbanRenderer extends KanbanRenderer {
    static template = "workflow_sla.SlaDashboardKanbanRenderer";
    static components = { ...KanbanRenderer.components, SlaDashboard };
}

registry.category("views").add("sla_dashboard_list", { ...listView, Renderer: SlaDashboardListRenderer });
registry.category("views").add("sla_dashboard_kanban", { ...kanbanView, Renderer: SlaDashboardKanbanRenderer });
