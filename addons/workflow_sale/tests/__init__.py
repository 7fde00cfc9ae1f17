from . import test_order_approval
from . import test_price_change
from . import test_xmlrpc
