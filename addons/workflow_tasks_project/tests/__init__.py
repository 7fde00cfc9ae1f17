from . import test_project
