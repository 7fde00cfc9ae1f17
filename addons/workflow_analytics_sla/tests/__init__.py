from . import test_sla_figures
