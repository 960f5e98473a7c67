"""Developer machine and `make demo`: DEBUG on, a throwaway secret key, SQLite by default.

manage.py uses these settings unless DJANGO_SETTINGS_MODULE says otherwise; the WSGI entry
point and Celery default to config.settings.production, which refuses to start without a
SECRET_KEY.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "true")

from config.settings.base import *  # noqa: F403
