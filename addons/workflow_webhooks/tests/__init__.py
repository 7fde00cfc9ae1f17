from . import test_signature
from . import test_outgoing
from . import test_incoming
