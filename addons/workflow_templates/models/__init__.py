from . import workflow_request_category
from . import workflow_request
from . import workflow_template
