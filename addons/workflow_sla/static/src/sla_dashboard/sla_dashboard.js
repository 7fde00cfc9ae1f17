/** @odoo-module */
import { Component, onWillStart } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";

/**
 * The key figures of the SLA dashboard, above the trackings (as purchase's dashboard):
 * running, at risk, breached and achieved % this month.  A figure filters the view
 * on the trackings it counts (search filters kpi_*).
 */
export class SlaDashboard extends Component {
    static template = "workflow_sla.SlaDashboard";
    static props = {};

    setup() {
        this.orm = useService("orm");
        onWillStart(async () => {
            this.figures = await this.orm.call("sla.tracking", "retrieve_dashboard", []);
        });
    }

    get achieved() {
        const percent = this.figures.achieved_percent;
        return percent === null || percent === undefined ? "–" : `${percent} %`;
    }

    openFigure(filterName) {
        const searchModel = this.env.searchModel;
        // the kpi_* filters are invisible in the Filters menu: getSearchItems would skip them
        const items = Object.values(searchModel.searchItems).filter((item) => item.name === filterName);
        searchModel.query = [];
        for (const item of items) {
            searchModel.toggleSearchItem(item.id);
        }
    }
}
