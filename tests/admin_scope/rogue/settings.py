"""The project's settings with the rogue app installed (tests/admin_scope/test_registry.py)."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.admin_scope.rogue"]
