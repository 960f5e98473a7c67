"""Production: the settings of base, plus HTTPS everywhere. `manage.py check --deploy` with
these settings is clean (zoufang/core/tests/test_headers.py). Everything else that differs
between machines is an environment value (.env.example)."""

from config.settings.base import *  # noqa: F403
from config.settings.env import env_bool, env_int

# Browsers remember to use HTTPS only (HSTS), a year by default.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Plain HTTP is redirected to HTTPS (behind a TLS-terminating proxy set BEHIND_PROXY=true so
# the proxy's X-Forwarded-Proto is trusted; /healthz is exempt).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Cookies only over HTTPS, whatever SECURE_COOKIES says.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
