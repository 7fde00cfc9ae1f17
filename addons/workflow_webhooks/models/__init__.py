from . import webhook_event_type
from . import webhook_endpoint
from . import webhook_message
from . import workflow_instance
from . import approval_request
from . import webhook_incoming
