"""Drop two foreign-key indexes that composite indexes serve.

education_application.school_year (application_year_grade_idx and application_year_state_idx begin with
it) and education_applicationchoice.application (the unique choice_rank_once and choice_school_once begin
with it): 3.4 MB on the city's applications, updated by every application and choice. Written by hand:
Django's own AlterField drops and re-adds each foreign key (see residents/0007).
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
DROP INDEX education_application_school_year_id_64fe851c;
DROP INDEX education_applicationchoice_application_id_7d3cb7c9;
"""
BACKWARD = """
CREATE INDEX education_applicationchoice_application_id_7d3cb7c9 ON education_applicationchoice (application_id);
CREATE INDEX education_application_school_year_id_64fe851c ON education_application (school_year_id);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("education", "0002_seed_schools_and_policy"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="application",
                    name="school_year",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="applications",
                        to="education.schoolyear",
                        verbose_name="school year",
                    ),
                ),
                migrations.AlterField(
                    model_name="applicationchoice",
                    name="application",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="choices",
                        to="education.application",
                    ),
                ),
            ],
        ),
    ]
