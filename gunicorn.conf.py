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
