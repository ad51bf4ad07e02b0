"""Drop the job applications' own indexes on the job and the resident, which composite indexes serve.

employment_application.job (application_job_state_idx: job, state) and .resident
(application_resident_idx: resident, state): 4.6 MB on the city's 100,000 applications, updated by every
application submitted. Written by hand: Django's own AlterField drops and re-adds each foreign key (see
residents/0007).
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
DROP INDEX employment_application_job_id_3cff6708;
DROP INDEX employment_application_resident_id_d024bc07;
"""
BACKWARD = """
CREATE INDEX employment_application_resident_id_d024bc07 ON employment_application (resident_id);
CREATE INDEX employment_application_job_id_3cff6708 ON employment_application (job_id);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("employment", "0008_training"),
        ("residents", "0007_covered_foreign_key_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="application",
                    name="job",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="applications",
                        to="employment.job",
                        verbose_name="job",
                    ),
                ),
                migrations.AlterField(
                    model_name="application",
                    name="resident",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="job_applications",
                        to="residents.resident",
                        verbose_name="resident",
                    ),
                ),
            ],
        ),
    ]
