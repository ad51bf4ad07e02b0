"""One index per search on the residents' table (1,350,000 rows in the city).

Django gave each indexed or unique CharField a second, LIKE-only copy (varchar_pattern_ops), and the town
its own index beside (town, state). The copies of state, home province and card number and the town's
index go; the phone keeps only its pattern index, which also serves exact searches. The indexes that stay
are renamed, not rebuilt, so the migration takes no time on the city's table. Written by hand: Django's
own operations would drop and rebuild them all.
"""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models

FORWARD = """
DROP INDEX residents_resident_state_1c189d46_like;
ALTER INDEX residents_resident_state_1c189d46 RENAME TO resident_state_idx;
DROP INDEX residents_resident_home_province_code_d84f0413_like;
ALTER INDEX residents_resident_home_province_code_d84f0413 RENAME TO resident_province_idx;
DROP INDEX residents_resident_phone_e5bc03b6;
ALTER INDEX residents_resident_phone_e5bc03b6_like RENAME TO resident_phone_idx;
DROP INDEX residents_resident_card_number_12b8e06b_like;
ALTER TABLE residents_resident RENAME CONSTRAINT residents_resident_card_number_key TO resident_unique_card_number;
DROP INDEX residents_resident_town_id_21b37ef2;
"""
BACKWARD = """
CREATE INDEX residents_resident_town_id_21b37ef2 ON residents_resident (town_id);
ALTER TABLE residents_resident RENAME CONSTRAINT resident_unique_card_number TO residents_resident_card_number_key;
CREATE INDEX residents_resident_card_number_12b8e06b_like ON residents_resident (card_number varchar_pattern_ops);
ALTER INDEX resident_phone_idx RENAME TO residents_resident_phone_e5bc03b6_like;
CREATE INDEX residents_resident_phone_e5bc03b6 ON residents_resident (phone);
ALTER INDEX resident_province_idx RENAME TO residents_resident_home_province_code_d84f0413;
CREATE INDEX residents_resident_home_province_code_d84f0413_like ON residents_resident (home_province_code varchar_pattern_ops);
ALTER INDEX resident_state_idx RENAME TO residents_resident_state_1c189d46;
CREATE INDEX residents_resident_state_1c189d46_like ON residents_resident (state varchar_pattern_ops);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0005_id_hash_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="resident",
                    name="card_number",
                    field=models.CharField(
                        blank=True, max_length=12, null=True, verbose_name="resident card number"
                    ),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="home_province_code",
                    field=models.CharField(max_length=2, verbose_name="home province"),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="phone",
                    field=models.CharField(max_length=11, verbose_name="mobile phone"),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="state",
                    field=django_fsm.FSMField(
                        choices=[
                            ("pending", "pending verification"),
                            ("verified", "verified"),
                            ("rejected", "rejected"),
                        ],
                        default="pending",
                        max_length=16,
                        protected=True,
                        verbose_name="registration status",
                    ),
                ),
                migrations.AlterField(
                    model_name="resident",
                    name="town",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="residents.town",
                        verbose_name="town or zone of residence",
                    ),
                ),
                migrations.AddIndex(
                    model_name="resident",
                    index=models.Index(fields=["state"], name="resident_state_idx"),
                ),
                migrations.AddIndex(
                    model_name="resident",
                    index=models.Index(fields=["home_province_code"], name="resident_province_idx"),
                ),
                migrations.AddIndex(
                    model_name="resident",
                    index=models.Index(
                        fields=["phone"], name="resident_phone_idx", opclasses=["varchar_pattern_ops"]
                    ),
                ),
                migrations.AddConstraint(
                    model_name="resident",
                    constraint=models.UniqueConstraint(
                        fields=("card_number",), name="resident_unique_card_number"
                    ),
                ),
            ],
        ),
    ]
