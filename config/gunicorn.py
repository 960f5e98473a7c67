"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

gunicorn writes its access log itself, before Django's LOGGING applies; this logconfig_dict
gives its access and error logs the filter that masks ID numbers and phones
(zoufang.core.logging), so `GET /registry/persons/?q=411002199211130034` is never written
whole. Workers, threads and the bind address stay command-line or environment choices
(GUNICORN_CMD_ARGS)."""

from zoufang.core.logging import FILTERS, FORMATTERS, masked_stream_handler

# With logconfig_dict set, gunicorn logs each request to "gunicorn.access" (no accesslog
# option needed); dictConfig replaces the handlers gunicorn attached itself.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": FILTERS,
    "formatters": FORMATTERS,
    "handlers": {"stdout": masked_stream_handler(stream="ext://sys.stdout")},
    # gunicorn merges its own defaults in: their root logger names a handler replaced here.
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
