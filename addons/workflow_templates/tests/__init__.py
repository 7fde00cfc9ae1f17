from . import test_request
from . import test_templates_load
from . import test_use_template
from . import test_walk
from . import test_tour
