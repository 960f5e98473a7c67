"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

gunicorn writes its access log itself, before Django's LOGGING applies; this logconfig_dict
gives its access and error logs the filter that masks ID numbers and phones
(zoufang.core.logging), so `GET /registry/persons/?q=411002199211130034` is never written
whole. Workers, threads and the bind address stay command-line or environment choices
(GUNICORN_CMD_ARGS)."""

# With logconfig_dict set, gunicorn logs each request to "gunicorn.access" (no accesslog
# option needed); dictConfig replaces the handlers gunicorn attached itself.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal": {"()": "zoufang.core.logging.MaskPersonalNumbers"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal"],
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
