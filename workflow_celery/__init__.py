"""Celery scale-out for the workflow suite: ``celery -A workflow_celery worker``."""
