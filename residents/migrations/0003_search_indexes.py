# Indexes for the caseworkers' searches at city scale.
#
# Exact identity numbers (by keyed hash), mobile numbers and card numbers already have their b-tree
# indexes. The name search is a prefix match on UPPER(name); a b-tree serves LIKE 'X%' only with the
# pattern operator class (the database's collation need not be C). The index is written in SQL because
# Django wraps an operator class on an expression in one pair of parentheses too many. No trigram index:
# the embedded PostgreSQL has no pg_trgm, and no search of a big table matches inside a value.

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0002_seed_reference_data"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'CREATE INDEX "resident_name_prefix_idx" ON "residents_resident" '
                    '(UPPER("name") text_pattern_ops)',
                    reverse_sql='DROP INDEX "resident_name_prefix_idx"',
                ),
            ],
            state_operations=[
                migrations.AddIndex(
                    model_name="resident",
                    index=models.Index(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Upper("name"), name="text_pattern_ops"
                        ),
                        name="resident_name_prefix_idx",
                    ),
                ),
            ],
        ),
    ]
