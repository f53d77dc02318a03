"""gunicorn settings read by `gunicorn wsgi:app` from this directory.

The app is loaded once in the master before any worker forks (`preload_app`), so a wrong
setting stops gunicorn with the configuration line and a non-zero exit status, instead of
workers that fail to boot and are respawned every few seconds while requests hang.
create_app opens no database connection, so nothing shared is inherited by the workers.
"""

import os

preload_app = True
# GUNICORN_BIND, else $PORT as platforms that read a Procfile set it, else local port 8000.
bind = os.environ.get("GUNICORN_BIND") or (
    f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000"
)
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Access lines go to stdout; the app's own (JSON in production) records go to stderr.
accesslog = "-"
# gunicorn's default line plus the response's X-Request-ID, to find the app's lines for it.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
)


def post_fork(server: object, worker: object) -> None:
    """Load the language detector in each worker as it starts, not on its first comment.

    In the worker, not the master: the detector is native code, and building it before a
    fork would hand the children a copy of state (and threads) made for another process.
    """
    from feedback import language

    language.warm_up()


if os.environ.get("FEEDBACK_ENV", "").strip().lower() == "production":
    # gunicorn's own lines as JSON too, like the app's (feedback/logs.py), for one log pipeline.
    _json = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    }
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": _json},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        # The root logger is the app's (feedback/logs.py adds the request id): none here.
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }
