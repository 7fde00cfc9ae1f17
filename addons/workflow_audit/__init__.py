from . import models
from . import wizards
from . import cli
from .hooks import pre_init_hook, uninstall_hook
