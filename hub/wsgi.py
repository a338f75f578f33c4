"""Entry points for servers: ``gunicorn hub.wsgi:app`` and ``celery -A hub.wsgi:celery``."""
from hub.app import create_app

app = create_app()
celery = app.extensions["celery"]
