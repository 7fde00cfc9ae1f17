from . import workflow_job
from . import workflow_hook
