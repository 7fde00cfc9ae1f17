from . import test_designer
from . import test_designer_ui
