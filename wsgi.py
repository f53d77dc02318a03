"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from feedback import ConfigError, create_app

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"feedback: configuration error: {exc}")
