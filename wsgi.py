"""The WSGI entry point for gunicorn: `gunicorn --config gunicorn.conf.py wsgi:app`."""

from portal import create_app

app = create_app()
