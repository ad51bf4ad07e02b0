"""Drop the foreign keys' own indexes where a composite index starting with the same column serves them.

housing_place.room (housing_place_once), housing_tenancy.place (housing_tenancy_place_idx), and
housing_applicationchoice.application (housing_choice_rank_once) and .compound (housing_choice_compound_idx):
28 MB of indexes on the city's data that every let, tenancy and application also had to update. Written by
hand: Django's own AlterField drops and re-adds each foreign key and also drops every other single-column
index on the column, the partial unique index housing_tenancy_one_current_per_place among them.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
DROP INDEX housing_applicationchoice_application_id_c5de759c;
DROP INDEX housing_applicationchoice_compound_id_5aeadc2f;
DROP INDEX housing_place_room_id_3307a0aa;
DROP INDEX housing_tenancy_place_id_7a72fabe;
"""
BACKWARD = """
CREATE INDEX housing_tenancy_place_id_7a72fabe ON housing_tenancy (place_id);
CREATE INDEX housing_place_room_id_3307a0aa ON housing_place (room_id);
CREATE INDEX housing_applicationchoice_compound_id_5aeadc2f ON housing_applicationchoice (compound_id);
CREATE INDEX housing_applicationchoice_application_id_c5de759c ON housing_applicationchoice (application_id);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("housing", "0003_queue_order_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="applicationchoice",
                    name="application",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="choices",
                        to="housing.housingapplication",
                    ),
                ),
                migrations.AlterField(
                    model_name="applicationchoice",
                    name="compound",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="applicant_choices",
                        to="housing.compound",
                        verbose_name="compound",
                    ),
                ),
                migrations.AlterField(
                    model_name="place",
                    name="room",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="places",
                        to="housing.room",
                    ),
                ),
                migrations.AlterField(
                    model_name="tenancy",
                    name="place",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tenancies",
                        to="housing.place",
                        verbose_name="place",
                    ),
                ),
            ],
        ),
    ]
