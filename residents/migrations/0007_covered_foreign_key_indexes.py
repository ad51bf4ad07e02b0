"""Drop the residents' family and certificates' own index on the resident, which a composite index serves.

residents_familymember.resident (family_member_once: resident, identity number) and
residents_residentcertificate.resident (resident_certificate_once: resident, certificate type): 35 MB of
indexes on the city's data. Written by hand: Django's own AlterField drops and re-adds each foreign key
and also drops every other single-column index on the column, the partial unique index family_one_spouse
among them.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
DROP INDEX residents_familymember_resident_id_3ae66099;
DROP INDEX residents_residentcertificate_resident_id_261dd09b;
"""
BACKWARD = """
CREATE INDEX residents_residentcertificate_resident_id_261dd09b ON residents_residentcertificate (resident_id);
CREATE INDEX residents_familymember_resident_id_3ae66099 ON residents_familymember (resident_id);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0006_lean_resident_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="familymember",
                    name="resident",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="family",
                        to="residents.resident",
                    ),
                ),
                migrations.AlterField(
                    model_name="residentcertificate",
                    name="resident",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="certificates",
                        to="residents.resident",
                    ),
                ),
            ],
        ),
    ]
