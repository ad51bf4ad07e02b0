"""Drop the legal-aid cases' single-column indexes that composite indexes serve.

applicant (case_applicant_idx: applicant, submitted_at), station (case_station_state_idx), assignee
(case_assignee_state_idx) and state (case_state_due_idx: state, examination_due; its LIKE copy was never
used): five indexes updated by every case filed, assigned or moved on. Written by hand: Django's own
AlterField drops and re-adds each foreign key (see residents/0007).
"""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models

FORWARD = """
DROP INDEX legal_aid_case_applicant_id_c9df10a3;
DROP INDEX legal_aid_case_station_id_7bf674e8;
DROP INDEX legal_aid_case_assignee_id_575a8acf;
DROP INDEX legal_aid_case_state_b6776d36;
DROP INDEX legal_aid_case_state_b6776d36_like;
"""
BACKWARD = """
CREATE INDEX legal_aid_case_state_b6776d36_like ON legal_aid_case (state varchar_pattern_ops);
CREATE INDEX legal_aid_case_state_b6776d36 ON legal_aid_case (state);
CREATE INDEX legal_aid_case_assignee_id_575a8acf ON legal_aid_case (assignee_id);
CREATE INDEX legal_aid_case_station_id_7bf674e8 ON legal_aid_case (station_id);
CREATE INDEX legal_aid_case_applicant_id_c9df10a3 ON legal_aid_case (applicant_id);
"""
STATES = [
    ("submitted", "submitted"), ("examined", "examined"), ("accepted", "accepted"), ("refused", "refused"),
    ("assigned", "assigned"), ("mediation", "in mediation"), ("arbitration", "in labour arbitration"),
    ("litigation", "in court"), ("forwarded", "forwarded"), ("closed", "closed"),
]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("legal_aid", "0002_seed_stations_and_rules"),
        ("residents", "0007_covered_foreign_key_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="applicant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="legal_aid_cases",
                        to="residents.resident",
                        verbose_name="applicant",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="legal_aid_cases_assigned",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="lawyer or mediator",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="state",
                    field=django_fsm.FSMField(
                        choices=STATES, default="submitted", max_length=16, protected=True, verbose_name="state"
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="station",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="legal_aid.station",
                        verbose_name="station",
                    ),
                ),
            ],
        ),
    ]
