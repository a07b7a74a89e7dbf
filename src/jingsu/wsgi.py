import os

from django.core.wsgi import get_wsgi_application

# The configured Celery app (its broker) becomes the current one before any view runs: the console hands the steps of
# roll and payment-file uploads to workers (staff.upload_views.background).
import jingsu.celery_app  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingsu.settings")
os.umask(0o077)  # files at rest are private (jingsu.core.files)
application = get_wsgi_application()


def _bootstrap() -> None:
    """gunicorn (and any WSGI server) loads this module: the process's runtime is built here, once (clock, providers,
    secrets: jingsu.core.runtime), and with DEBUG off the process does not start with missing or published secrets
    (jingsu.core.checks)."""
    from jingsu.core.runtime import bootstrap

    bootstrap(enforce_secrets=True)


_bootstrap()
