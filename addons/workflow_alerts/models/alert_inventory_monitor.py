"""Set-based inventory checks: one SQL statement per rule over every product in scope.

Quantities are on hand in internal locations (``stock.quant``), in the
product's unit of measure; daily usage is the done outgoing quantity to
customer locations (``stock.move.product_qty``) over the rule's window.
"""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import float_round

SCOPE_CTE = """
WITH products AS (
    SELECT pp.id
      FROM product_product pp
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      JOIN product_category pc ON pc.id = pt.categ_id
     WHERE pp.active AND pt.active AND pt.type = 'product'
       AND (pt.company_id IS NULL OR pt.company_id = %(company)s)
       AND (%(all_categs)s OR pc.parent_path LIKE ANY(%(categ_paths)s))
       AND (%(all_products)s OR pp.id = ANY(%(product_ids)s))
), locs AS (
    SELECT sl.id
      FROM stock_location sl
     WHERE sl.usage = 'internal' AND sl.company_id = %(company)s
       AND sl.parent_path LIKE ANY(%(loc_paths)s)
), onhand AS (
    SELECT q.product_id, SUM(q.quantity) AS qty
      FROM stock_quant q
      JOIN locs l ON l.id = q.location_id
      JOIN products p ON p.id = q.product_id
     GROUP BY q.product_id
)
"""

FIXED_SQL = (
    SCOPE_CTE
    + """
SELECT p.id, COALESCE(o.qty, 0), NULL, NULL
  FROM products p LEFT JOIN onhand o ON o.product_id = p.id
 WHERE COALESCE(o.qty, 0) <= %(threshold)s
"""
)

ORDERPOINT_SQL = (
    SCOPE_CTE
    + """
, ops AS (
    SELECT op.id, op.product_id, op.product_min_qty, ol.parent_path
      FROM stock_warehouse_orderpoint op
      JOIN products p ON p.id = op.product_id
      JOIN stock_location ol ON ol.id = op.location_id
     WHERE op.active AND op.company_id = %(company)s
       AND (%(all_warehouses)s OR op.warehouse_id = ANY(%(warehouse_ids)s))
       AND ol.parent_path LIKE ANY(%(loc_paths)s)
), by_location AS (
    SELECT q.product_id, sl.parent_path, SUM(q.quantity) AS qty
      FROM stock_quant q
      JOIN stock_location sl ON sl.id = q.location_id
      JOIN (SELECT DISTINCT product_id FROM ops) o ON o.product_id = q.product_id
     WHERE sl.usage = 'internal'
     GROUP BY q.product_id, sl.parent_path
), op_qty AS (
    SELECT ops.id, ops.product_id, ops.product_min_qty,
           COALESCE(SUM(b.qty) FILTER (WHERE b.parent_path LIKE ops.parent_path || '%%'), 0) AS qty
      FROM ops LEFT JOIN by_location b ON b.product_id = ops.product_id
     GROUP BY ops.id, ops.product_id, ops.product_min_qty
)
SELECT DISTINCT ON (product_id) product_id, qty, product_min_qty, NULL
  FROM op_qty
 WHERE qty <= product_min_qty * %(ratio)s
 ORDER BY product_id, qty - product_min_qty * %(ratio)s
"""
)

DAYS_SQL = (
    SCOPE_CTE
    + """
, usage AS (
    SELECT m.product_id, SUM(m.product_qty) / %(usage_days)s AS daily
      FROM stock_move m
      JOIN stock_location dl ON dl.id = m.location_dest_id
      JOIN stock_location src ON src.id = m.location_id
      JOIN products p ON p.id = m.product_id
     WHERE m.state = 'done' AND m.date >= %(since)s AND dl.usage = 'customer'
       AND m.company_id = %(company)s
       AND src.parent_path LIKE ANY(%(loc_paths)s)
     GROUP BY m.product_id
)
SELECT u.product_id, COALESCE(o.qty, 0), NULL, u.daily
  FROM usage u LEFT JOIN onhand o ON o.product_id = u.product_id
 WHERE u.daily > 0 AND COALESCE(o.qty, 0) / u.daily <= %(days_threshold)s
"""
)


class AlertInventoryMonitor(models.AbstractModel):
    _name = "alert.inventory.monitor"
    _description = "Inventory Alert Monitor"

    @api.model
    def _scope_params(self, rule):
        if rule.location_ids:
            loc_paths = [loc.parent_path + "%" for loc in rule.location_ids]
        elif rule.warehouse_ids:
            loc_paths = [wh.view_location_id.parent_path + "%" for wh in rule.warehouse_ids]
        else:
            loc_paths = ["%"]
        domain = rule._domain()
        product_ids = self.env["product.product"].search(domain).ids if domain else []
        return {
            "company": rule.company_id.id,
            "all_categs": not rule.category_ids,
            "categ_paths": [categ.parent_path + "%" for categ in rule.category_ids] or [""],
            "all_products": not domain,
            "product_ids": product_ids,
            "loc_paths": loc_paths,
            "all_warehouses": not rule.warehouse_ids,
            "warehouse_ids": rule.warehouse_ids.ids or [0],
        }

    @api.model
    def _breaches(self, rule):
        """``{product_id: {"qty", "min_qty", "daily"}}`` for every product breaching ``rule`` now."""
        self.env["stock.quant"].flush_model()
        self.env["stock.move"].flush_model()
        self.env["stock.warehouse.orderpoint"].flush_model()
        params = self._scope_params(rule)
        check = rule.check_type or "reorder_point"
        if check == "fixed_threshold":
            query, params["threshold"] = FIXED_SQL, rule.threshold_qty
        elif check in ("reorder_point", "percentage"):
            query = ORDERPOINT_SQL
            params["ratio"] = rule.percentage / 100.0 if check == "percentage" else 1.0
        else:
            query = DAYS_SQL
            params.update(
                usage_days=float(rule.usage_days),
                since=fields.Datetime.now() - timedelta(days=rule.usage_days),
                days_threshold=rule.days_threshold,
            )
        self.env.cr.execute(query, params)
        result = {}
        for product_id, qty, min_qty, daily in self.env.cr.fetchall():
            ctx = {"check_type": check, "qty": float(qty)}
            if min_qty is not None:
                ctx["min_qty"] = float(min_qty)
                if check == "percentage":
                    ctx["percentage"] = rule.percentage
            if daily is not None:
                ctx["daily_usage"] = float_round(float(daily), 3)
                ctx["days_left"] = float_round(float(qty) / float(daily), 1)
            result[product_id] = ctx
        return result

    @api.model
    def _message(self, rule, product_name, ctx):
        check = ctx.get("check_type")
        if check == "days_of_stock":
            return _(
                "%(product)s: %(qty)s on hand, about %(days)s day(s) of stock at %(daily)s per day "
                "(alert below %(limit)s days).",
                product=product_name,
                qty=ctx.get("qty"),
                days=ctx.get("days_left"),
                daily=ctx.get("daily_usage"),
                limit=rule.days_threshold,
            )
        if check == "fixed_threshold":
            return _(
                "%(product)s: %(qty)s on hand, at or below the threshold of %(limit)s.",
                product=product_name,
                qty=ctx.get("qty"),
                limit=rule.threshold_qty,
            )
        if check == "percentage":
            return _(
                "%(product)s: %(qty)s on hand, at or below %(pct)s%% of the reorder point %(min)s.",
                product=product_name,
                qty=ctx.get("qty"),
                pct=rule.percentage,
                min=ctx.get("min_qty"),
            )
        return _(
            "%(product)s: %(qty)s on hand, at or below the reorder point %(min)s.",
            product=product_name,
            qty=ctx.get("qty"),
            min=ctx.get("min_qty"),
        )
