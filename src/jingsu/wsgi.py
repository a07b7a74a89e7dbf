import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingsu.settings")
os.umask(0o077)  # files at rest are private (jingsu.core.files)
application = get_wsgi_application()


def _refuse_unsafe_secrets() -> None:
    """gunicorn (and any WSGI server) loads this module: with DEBUG off it does not start with missing or published
    secrets (jingsu.core.checks)."""
    from jingsu.core.checks import enforce_at_startup

    enforce_at_startup()


_refuse_unsafe_secrets()
