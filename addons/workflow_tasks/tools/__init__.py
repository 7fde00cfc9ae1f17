from . import templates
