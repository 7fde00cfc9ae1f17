from . import test_definition
from . import test_json
from . import test_engine
from . import test_jobs
from . import test_concurrency
from . import test_mixin
from . import test_security
from . import test_xmlrpc
