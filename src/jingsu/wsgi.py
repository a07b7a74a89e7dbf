import os

from django.core.wsgi import get_wsgi_application

# The configured Celery app (its broker) becomes the current one before any view runs: the console hands the steps of
# roll and payment-file uploads to workers (staff.roll_views._background).
import jingsu.celery_app  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingsu.settings")
os.umask(0o077)  # files at rest are private (jingsu.core.files)
application = get_wsgi_application()


def _refuse_unsafe_secrets() -> None:
    """gunicorn (and any WSGI server) loads this module: with DEBUG off it does not start with missing or published
    secrets (jingsu.core.checks)."""
    from jingsu.core.checks import enforce_at_startup

    enforce_at_startup()


_refuse_unsafe_secrets()
