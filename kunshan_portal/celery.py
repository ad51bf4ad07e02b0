"""The Celery app: queues and the beat schedule of every periodic task live here."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_portal.settings")

app = Celery("kunshan_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic task of the portal, in one place (times are Asia/Shanghai).
app.conf.beat_schedule = {
    "insurance-monthly-contribution-run": {
        # on the 1st of each month, the run for the month before
        "task": "insurance.tasks.contributions_monthly_task",
        "schedule": crontab(minute=30, hour=1, day_of_month=1),
    },
    "housing-lapse-overdue-offers": {
        "task": "housing.tasks.offers_lapse_task",
        "schedule": crontab(minute=5, hour="*"),
    },
    "education-lapse-overdue-offers": {
        "task": "education.tasks.offers_lapse_task",
        "schedule": crontab(minute=10, hour="*"),
    },
    "legal-aid-flag-overdue-cases": {
        # every morning; the task itself skips days that are not working days
        "task": "legal_aid.tasks.cases_flag_overdue_task",
        "schedule": crontab(minute=0, hour=8),
    },
    "employment-fairs-held": {
        # just after midnight: yesterday's fairs (still scheduled) took place
        "task": "employment.tasks.fairs_past_held_task",
        "schedule": crontab(minute=5, hour=0),
    },
    "residents-close-accounts-due": {
        # accounts whose closure request has passed its grace period
        "task": "residents.tasks.account_closures_due_task",
        "schedule": crontab(minute=20, hour=3),
    },
    "dashboard-refresh": {
        # the officials' dashboards: every 10 minutes (and at the end of each big run)
        "task": "kunshan_portal.tasks.dashboard_refresh_task",
        "schedule": crontab(minute="*/10"),
        "args": ("scheduled",),
    },
}
