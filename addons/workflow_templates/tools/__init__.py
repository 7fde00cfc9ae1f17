from . import template_format
