from odoo import fields, models

# who reads stock moves: warehouse users (stock), salespeople (sale_stock's access rights) and
# accounting (stock_account, which sale_stock installs)
STOCK_MOVE_READERS = (
    "stock.group_stock_user,sales_team.group_sale_salesman,"
    "account.group_account_invoice,account.group_account_readonly"
)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # sale_stock's order form carries the lines' moves (hidden, for its availability widget); for
    # an approver without access to stock moves, reading them refuses the whole form. A field
    # restricted to groups is taken out of the view (and of the web client's read) for the others.
    move_ids = fields.One2many(groups=STOCK_MOVE_READERS)
