/** @odoo-module **/
import { Component, onMounted, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

function isoDate(d) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Workflows > Analytics: KPI cards with their trend, charts and tables; every figure opens its records. */
export class WorkflowAnalyticsDashboard extends Component {
    static template = "workflow_analytics.Dashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        const params = this.props.action?.params || {};
        const today = new Date();
        const from = new Date(today.getTime() - 29 * 86400000);
        this.state = useState({
            loading: true,
            data: null,
            filters: {
                date_from: params.date_from || isoDate(from),
                date_to: params.date_to || isoDate(today),
                workflow_ids: params.workflow_ids || [],
                company_ids: [],
            },
        });
        this.canvases = {
            throughput: useRef("throughput"),
            histogram: useRef("histogram"),
            states: useRef("states"),
            variants: useRef("variants"),
        };
        this.charts = [];
        onWillStart(async () => {
            await loadBundle("web.chartjs_lib");
            await this.load(false);
        });
        onMounted(() => this.renderCharts());
        onWillUnmount(() => this.destroyCharts());
    }

    get data() {
        return this.state.data;
    }

    get cur() {
        return this.state.data.current;
    }

    get prev() {
        return this.state.data.previous;
    }

    get kpis() {
        const c = this.cur;
        const p = this.prev;
        return [
            { key: "started", label: _t("Started"), value: c.started, previous: p.started, better: "up" },
            { key: "completed", label: _t("Completed"), value: c.completed, previous: p.completed, better: "up" },
            { key: "cancelled", label: _t("Cancelled"), value: c.cancelled, previous: p.cancelled, better: "down" },
            { key: "running", label: _t("Running at the end"), value: c.running, previous: p.running, better: "" },
            { key: "overdue", label: _t("Overdue"), value: c.overdue, previous: p.overdue, better: "down" },
            { key: "cycle", label: _t("Median cycle time"), value: c.cycle.p50, previous: p.cycle.p50, unit: "h", better: "down" },
            { key: "cycle", label: _t("Cycle time, 90th percentile"), value: c.cycle.p90, previous: p.cycle.p90, unit: "h", better: "down" },
            {
                key: "rework",
                label: _t("Sent back (rework)"),
                value: c.rework.rate === undefined || c.rework.rate === null ? null : Math.round(c.rework.rate * 1000) / 10,
                previous: p.rework.rate === undefined || p.rework.rate === null ? null : Math.round(p.rework.rate * 1000) / 10,
                unit: "%",
                better: "down",
            },
        ];
    }

    trend(kpi) {
        if (kpi.value === null || kpi.value === undefined || kpi.previous === null || kpi.previous === undefined) {
            return { text: _t("no comparison"), cls: "text-muted" };
        }
        const diff = Math.round((kpi.value - kpi.previous) * 100) / 100;
        if (diff === 0) {
            return { text: _t("= previous period"), cls: "text-muted" };
        }
        const good = kpi.better === "" ? null : (diff > 0) === (kpi.better === "up");
        const arrow = diff > 0 ? "▲" : "▼";
        return {
            text: `${arrow} ${diff > 0 ? "+" : ""}${diff}${kpi.unit || ""} ${_t("vs previous")}`,
            cls: good === null ? "text-muted" : good ? "text-success" : "text-danger",
        };
    }

    fmt(value, unit) {
        if (value === null || value === undefined) {
            return "–";
        }
        return `${Math.round(value * 100) / 100}${unit ? " " + unit : ""}`;
    }

    pct(value) {
        return value === null || value === undefined ? "–" : `${Math.round(value * 1000) / 10} %`;
    }

    async load(render = true) {
        this.state.loading = true;
        this.state.data = await this.orm.call("workflow.analytics", "get_dashboard", [this.state.filters]);
        this.state.loading = false;
        if (render) {
            // wait for the DOM to show the canvases of the new data
            await new Promise((resolve) => requestAnimationFrame(resolve));
            this.renderCharts();
        }
    }

    onFilter(field, ev) {
        const value = ev.target.value;
        if (field === "team_id") {
            this.state.filters.team_id = value ? parseInt(value) : false;
        } else if (field === "workflow_ids" || field === "company_ids") {
            this.state.filters[field] = value ? [parseInt(value)] : [];
        } else {
            this.state.filters[field] = value;
        }
        this.load();
    }

    async open(figure, key = null) {
        const action = await this.orm.call("workflow.analytics", "action_open", [this.state.filters, figure, key]);
        this.action.doAction(action);
    }

    exportUrl(fmt) {
        const ids = this.state.filters.workflow_ids.join(",");
        const { date_from, date_to } = this.state.filters;
        return `/workflow_analytics/event_log.${fmt}?workflow_ids=${ids}&date_from=${date_from}&date_to=${date_to}`;
    }

    destroyCharts() {
        for (const chart of this.charts) {
            chart.destroy();
        }
        this.charts = [];
    }

    chart(ref, config) {
        const el = this.canvases[ref].el;
        if (el) {
            this.charts.push(new window.Chart(el, config));
        }
    }

    renderCharts() {
        this.destroyCharts();
        if (!this.state.data) {
            return;
        }
        const c = this.cur;
        const onClick = (figure, keys) => (ev, elements) => {
            if (elements.length) {
                this.open(figure, keys ? keys[elements[0].index] : null);
            }
        };
        const common = { maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } } };
        this.chart("throughput", {
            type: "bar",
            data: {
                labels: c.throughput.points.map((p) => p.bucket),
                datasets: [{ label: _t("Completed"), data: c.throughput.points.map((p) => p.count), backgroundColor: COLORS[0] }],
            },
            options: { ...common, onClick: onClick("completed") },
        });
        this.chart("histogram", {
            type: "bar",
            data: {
                labels: c.cycle_histogram.map((h) => h.label),
                datasets: [{ label: _t("Instances"), data: c.cycle_histogram.map((h) => h.count), backgroundColor: COLORS[2] }],
            },
            options: { ...common, onClick: onClick("cycle") },
        });
        this.chart("states", {
            type: "bar",
            data: {
                labels: c.states.map((s) => s.name),
                datasets: [
                    { label: _t("Median hours"), data: c.states.map((s) => s.p50), backgroundColor: COLORS[1] },
                    { label: _t("90th percentile hours"), data: c.states.map((s) => s.p90), backgroundColor: COLORS[3] },
                ],
            },
            options: {
                ...common,
                indexAxis: "y",
                plugins: { legend: { display: true } },
                onClick: onClick("state", c.states.map((s) => s.key)),
            },
        });
        this.chart("variants", {
            type: "bar",
            data: {
                labels: c.variants.map((v, i) => `#${i + 1}`),
                datasets: [{ label: _t("Instances"), data: c.variants.map((v) => v.count), backgroundColor: COLORS[4] }],
            },
            options: { ...common, onClick: onClick("completed") },
        });
    }
}

registry.category("actions").add("workflow_analytics.dashboard", WorkflowAnalyticsDashboard);
