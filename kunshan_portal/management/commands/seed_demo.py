"""Demo data for `make run`: one login for every role, then each app's own demo data (its demo.py)."""

import importlib
import os
import random

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from kunshan_portal import roles
from kunshan_portal.models import User

DEMO_PASSWORD = "Kunshan-demo-2026"
DOMAIN_APPS = ("residents", "employment", "insurance", "housing", "education", "legal_aid")

# username, role (None for the administrator), display name
DEMO_ACCOUNTS = [
    ("13900000001", roles.RESIDENT, "王芳 (resident)"),
    ("employer", roles.EMPLOYER, "HR, Kunshan Precision Electronics"),
    *[(f"cw_{domain}", group, f"Caseworker, {domain}") for domain, group in roles.CASEWORKER_GROUPS.items()],
    ("lawyer", roles.LAWYER, "Lawyer, legal-aid station"),
    ("official", roles.OFFICIAL, "Official, city government"),
    ("admin", None, "Administrator"),
]


class Command(BaseCommand):
    help = "Create the demo logins and a small realistic city (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--residents", type=int, default=200, help="how many demo residents (default 200)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed, for a repeatable city")

    def handle(self, *args, **options):
        # The demo's notices go to the inboxes; e-mailing each of them to the console would drown the logins.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self.seed(options)
        self.print_logins()

    def seed(self, options):
        with transaction.atomic():
            accounts = self.create_accounts()
        rng = random.Random(options["seed"])
        for app in DOMAIN_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed_demo(accounts=accounts, rng=rng, options=options, stdout=self.stdout)

    def create_accounts(self) -> dict[str, User]:
        accounts = {}
        for username, role, name in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": name,
                    "is_staff": role is None or role in roles.STAFF_ROLES,
                    "is_superuser": role is None,
                    "phone": username if username.isdigit() else "",
                    "email": f"{username}@demo.kunshan.example",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if role:
                user.groups.add(Group.objects.get(name=role))
            accounts[role or "admin"] = user
        return accounts

    def print_logins(self):
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD})"))
        for username, role, name in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<24} {role or 'administrator':<24} {name}")
        # `make run` says where it serves the portal (HOST and PORT); 127.0.0.1:8000 is runserver's default.
        address = os.environ.get("PORTAL_ADDRESS", "127.0.0.1:8000")
        self.stdout.write(f"\nPortal: http://{address}/   Case work: http://{address}/{settings.ADMIN_URL}\n")
