"""The Celery app: queues and the beat schedule of every periodic task live here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_portal.settings")

app = Celery("kunshan_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic tasks: each domain issue adds its entries here, in one place.
app.conf.beat_schedule = {}
