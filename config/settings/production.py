"""Production: the same settings as base; every difference is an environment value."""

from config.settings.base import *  # noqa: F403
