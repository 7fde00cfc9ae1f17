from . import main
from . import bpmn
