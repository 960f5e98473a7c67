"""The settings of the public_flood bench's gunicorn: the developer settings with DEBUG off, and
static files served unhashed (the bench needs no collectstatic; the pages' static links only
have to resolve)."""

from config.settings.dev import *  # noqa: F403
from config.settings.dev import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
