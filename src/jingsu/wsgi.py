import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingsu.settings")
os.umask(0o077)  # files at rest are private (jingsu.core.files)
application = get_wsgi_application()
