from .jobs import job, JOB_ATTR
from .conditions import json_condition_to_domain, parse_domain
