"""The Celery application.

With no CELERY_BROKER_URL, tasks run inline in the calling process (task_always_eager): the embedded default. With a
broker (RabbitMQ `amqp://…` or Redis `redis://…`), `jingsu worker` runs real workers on as many machines as needed.
Tasks are thin wrappers around service functions; the services are idempotent, so a task that runs twice is harmless.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingsu.settings")
os.umask(0o077)  # files at rest are private (jingsu.core.files)

app = Celery("jingsu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
