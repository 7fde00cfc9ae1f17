from . import test_approver_reads_stock_fields
