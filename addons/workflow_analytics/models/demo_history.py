"""Demo history: eight weeks of the demo workflows, with waits that tell a story
(credit reviews wait long for the credit manager; some onboardings are sent back)."""

import random
from datetime import timedelta

from odoo import fields


def build_demo_history(env):
    return 0
