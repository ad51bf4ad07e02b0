# Recruitment fairs: schedule, registrations with a waiting list, check-in, interview slots.

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("employment", "0006_job_recommendation_index"),
        ("pghistory", "0007_auto_20250421_0444"),
        ("residents", "0002_seed_reference_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Fair",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=120, verbose_name="title")),
                ("date", models.DateField(verbose_name="date")),
                ("starts_at", models.TimeField(verbose_name="starts at")),
                ("ends_at", models.TimeField(verbose_name="ends at")),
                ("venue", models.CharField(max_length=200, verbose_name="venue")),
                (
                    "capacity",
                    models.PositiveIntegerField(
                        help_text="How many residents may register.", verbose_name="capacity"
                    ),
                ),
                (
                    "registered_count",
                    models.PositiveIntegerField(default=0, editable=False, verbose_name="registered"),
                ),
                (
                    "slot_minutes",
                    models.PositiveSmallIntegerField(
                        default=15,
                        help_text="Employers book interviews at the fair in slots of this length.",
                        verbose_name="interview slot length (minutes)",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("scheduled", "scheduled"), ("cancelled", "cancelled"), ("held", "held")],
                        default="scheduled",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("description", models.TextField(blank=True, verbose_name="description")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "town",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="fairs",
                        to="residents.town",
                        verbose_name="town",
                    ),
                ),
            ],
            options={
                "verbose_name": "recruitment fair",
                "verbose_name_plural": "recruitment fairs",
                "ordering": ["date", "starts_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="FairEmployer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("booth", models.CharField(blank=True, max_length=40, verbose_name="booth")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "employer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="fair_participations",
                        to="residents.employer",
                        verbose_name="employer",
                    ),
                ),
                (
                    "fair",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="participants",
                        to="employment.fair",
                        verbose_name="fair",
                    ),
                ),
                (
                    "jobs",
                    models.ManyToManyField(
                        blank=True, related_name="fairs", to="employment.job", verbose_name="jobs brought"
                    ),
                ),
            ],
            options={
                "verbose_name": "participating employer",
                "verbose_name_plural": "participating employers",
                "ordering": ["fair", "booth", "id"],
            },
        ),
        migrations.CreateModel(
            name="FairEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                ("title", models.CharField(max_length=120, verbose_name="title")),
                ("date", models.DateField(verbose_name="date")),
                ("starts_at", models.TimeField(verbose_name="starts at")),
                ("ends_at", models.TimeField(verbose_name="ends at")),
                ("venue", models.CharField(max_length=200, verbose_name="venue")),
                (
                    "capacity",
                    models.PositiveIntegerField(
                        help_text="How many residents may register.", verbose_name="capacity"
                    ),
                ),
                (
                    "registered_count",
                    models.PositiveIntegerField(default=0, editable=False, verbose_name="registered"),
                ),
                (
                    "slot_minutes",
                    models.PositiveSmallIntegerField(
                        default=15,
                        help_text="Employers book interviews at the fair in slots of this length.",
                        verbose_name="interview slot length (minutes)",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("scheduled", "scheduled"), ("cancelled", "cancelled"), ("held", "held")],
                        default="scheduled",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("description", models.TextField(blank=True, verbose_name="description")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "pgh_context",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pghistory.context",
                    ),
                ),
                (
                    "pgh_obj",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="events",
                        to="employment.fair",
                    ),
                ),
                (
                    "town",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to="residents.town",
                        verbose_name="town",
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="FairInterviewSlot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                (
                    "state",
                    models.CharField(
                        choices=[("booked", "booked"), ("cancelled", "cancelled")],
                        default="booked",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="booked at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="fair_interviews",
                        to="employment.application",
                        verbose_name="application",
                    ),
                ),
                (
                    "booked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "participation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="interview_slots",
                        to="employment.fairemployer",
                        verbose_name="employer at the fair",
                    ),
                ),
            ],
            options={
                "verbose_name": "interview slot at a fair",
                "verbose_name_plural": "interview slots at fairs",
                "ordering": ["starts_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="FairRegistration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("registered", "registered"),
                            ("waitlisted", "on the waiting list"),
                            ("cancelled", "cancelled"),
                            ("checked_in", "checked in"),
                        ],
                        default="registered",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "waitlist_number",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="waiting list number"),
                ),
                ("code", models.CharField(max_length=8, unique=True, verbose_name="check-in number")),
                ("checked_in_at", models.DateTimeField(blank=True, null=True, verbose_name="checked in at")),
                ("cancelled_at", models.DateTimeField(blank=True, null=True, verbose_name="cancelled at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="registered at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "checked_in_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "fair",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="registrations",
                        to="employment.fair",
                        verbose_name="fair",
                    ),
                ),
                (
                    "resident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="fair_registrations",
                        to="residents.resident",
                        verbose_name="resident",
                    ),
                ),
            ],
            options={
                "verbose_name": "fair registration",
                "verbose_name_plural": "fair registrations",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="FairRegistrationEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("id", models.BigIntegerField()),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("registered", "registered"),
                            ("waitlisted", "on the waiting list"),
                            ("cancelled", "cancelled"),
                            ("checked_in", "checked in"),
                        ],
                        default="registered",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "waitlist_number",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="waiting list number"),
                ),
                ("code", models.CharField(max_length=8, verbose_name="check-in number")),
                ("checked_in_at", models.DateTimeField(blank=True, null=True, verbose_name="checked in at")),
                ("cancelled_at", models.DateTimeField(blank=True, null=True, verbose_name="cancelled at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="registered at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "checked_in_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "fair",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to="employment.fair",
                        verbose_name="fair",
                    ),
                ),
                (
                    "pgh_context",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="pghistory.context",
                    ),
                ),
                (
                    "pgh_obj",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="events",
                        to="employment.fairregistration",
                    ),
                ),
                (
                    "resident",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        related_query_name="+",
                        to="residents.resident",
                        verbose_name="resident",
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.AddIndex(
            model_name="fair",
            index=models.Index(fields=["state", "date", "town"], name="fair_upcoming_idx"),
        ),
        migrations.AddConstraint(
            model_name="fair",
            constraint=models.CheckConstraint(
                condition=models.Q(("capacity__gte", 1)), name="fair_capacity_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="fair",
            constraint=models.CheckConstraint(
                condition=models.Q(("registered_count__lte", models.F("capacity"))),
                name="fair_registered_within_capacity",
            ),
        ),
        migrations.AddConstraint(
            model_name="fair",
            constraint=models.CheckConstraint(
                condition=models.Q(("starts_at__lt", models.F("ends_at"))), name="fair_starts_before_it_ends"
            ),
        ),
        migrations.AddConstraint(
            model_name="fair",
            constraint=models.CheckConstraint(
                condition=models.Q(("slot_minutes__gte", 5)), name="fair_slot_at_least_5_minutes"
            ),
        ),
        migrations.AddConstraint(
            model_name="fair",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "cancelled"), _negated=True),
                fields=("date", "starts_at", "venue"),
                name="fair_once_per_slot",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="fair",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "employment_fairevent" ("capacity", "created_at", "created_by_id", "date", "description", "ends_at", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "registered_count", "slot_minutes", "starts_at", "state", "title", "town_id", "updated_at", "venue") VALUES (NEW."capacity", NEW."created_at", NEW."created_by_id", NEW."date", NEW."description", NEW."ends_at", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."registered_count", NEW."slot_minutes", NEW."starts_at", NEW."state", NEW."title", NEW."town_id", NEW."updated_at", NEW."venue"); RETURN NULL;',
                    hash="b484681b747eff87333a66bbcd4d316a8634c640",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_68164",
                    table="employment_fair",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="fair",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "employment_fairevent" ("capacity", "created_at", "created_by_id", "date", "description", "ends_at", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "registered_count", "slot_minutes", "starts_at", "state", "title", "town_id", "updated_at", "venue") VALUES (NEW."capacity", NEW."created_at", NEW."created_by_id", NEW."date", NEW."description", NEW."ends_at", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."registered_count", NEW."slot_minutes", NEW."starts_at", NEW."state", NEW."title", NEW."town_id", NEW."updated_at", NEW."venue"); RETURN NULL;',
                    hash="ee10858874965e061af42d0d377addd56a971689",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_49080",
                    table="employment_fair",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddIndex(
            model_name="fairemployer",
            index=models.Index(fields=["employer", "fair"], name="fair_employer_employer_idx"),
        ),
        migrations.AddConstraint(
            model_name="fairemployer",
            constraint=models.UniqueConstraint(fields=("fair", "employer"), name="fair_employer_once"),
        ),
        migrations.AddIndex(
            model_name="fairinterviewslot",
            index=models.Index(fields=["application", "state"], name="fair_slot_application_idx"),
        ),
        migrations.AddConstraint(
            model_name="fairinterviewslot",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "booked")),
                fields=("participation", "starts_at"),
                name="fair_slot_booked_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="fairinterviewslot",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "booked")),
                fields=("participation", "application"),
                name="fair_slot_one_per_application",
            ),
        ),
        migrations.AddIndex(
            model_name="fairregistration",
            index=models.Index(
                fields=["fair", "state", "waitlist_number"], name="fair_registration_fair_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="fairregistration",
            index=models.Index(fields=["resident", "state"], name="fair_registration_resident_idx"),
        ),
        migrations.AddConstraint(
            model_name="fairregistration",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "cancelled"), _negated=True),
                fields=("fair", "resident"),
                name="fair_registration_one_live",
            ),
        ),
        migrations.AddConstraint(
            model_name="fairregistration",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "waitlisted")),
                fields=("fair", "waitlist_number"),
                name="fair_registration_waitlist_number_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="fairregistration",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "waitlisted"), _negated=True),
                    ("waitlist_number__isnull", False),
                    _connector="OR",
                ),
                name="fair_registration_waitlisted_numbered",
            ),
        ),
        migrations.AddConstraint(
            model_name="fairregistration",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "checked_in"), _negated=True),
                    ("checked_in_at__isnull", False),
                    _connector="OR",
                ),
                name="fair_registration_checked_in_when",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="fairregistration",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "employment_fairregistrationevent" ("cancelled_at", "checked_in_at", "checked_in_by_id", "code", "created_at", "fair_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resident_id", "state", "updated_at", "waitlist_number") VALUES (NEW."cancelled_at", NEW."checked_in_at", NEW."checked_in_by_id", NEW."code", NEW."created_at", NEW."fair_id", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."resident_id", NEW."state", NEW."updated_at", NEW."waitlist_number"); RETURN NULL;',
                    hash="15e04d9257e184f6130b5557282d8f61fdee9447",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_12d7f",
                    table="employment_fairregistration",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="fairregistration",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "employment_fairregistrationevent" ("cancelled_at", "checked_in_at", "checked_in_by_id", "code", "created_at", "fair_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "resident_id", "state", "updated_at", "waitlist_number") VALUES (NEW."cancelled_at", NEW."checked_in_at", NEW."checked_in_by_id", NEW."code", NEW."created_at", NEW."fair_id", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."resident_id", NEW."state", NEW."updated_at", NEW."waitlist_number"); RETURN NULL;',
                    hash="87a86c61612301dcb3e9d0627bdfa485fd9950f9",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_b2bfe",
                    table="employment_fairregistration",
                    when="AFTER",
                ),
            ),
        ),
    ]
