"""The city's biggest tables carry no index that another serves: each would be updated on every write for
nothing. The invariants that rest on partial unique indexes on the same columns are still enforced."""

import pytest
from django.db import IntegrityError, connection, transaction

from residents.models import FamilyMember
from tests.factories import make_child, make_resident

pytestmark = pytest.mark.django_db

BIG_TABLES = [
    "residents_resident", "residents_familymember", "residents_residentcertificate", "housing_place",
    "housing_tenancy", "housing_applicationchoice", "employment_application", "legal_aid_case",
    "education_application", "education_applicationchoice",
]  # fmt: skip

# A plain b-tree index whose columns begin another index of the same table (which answers its lookups too).
COVERED = """
WITH ix AS (
    SELECT c.relname AS tbl, i.relname AS idx, x.indisunique AS uniq, x.indpred IS NOT NULL AS partial,
           am.amname AS method, pg_get_indexdef(i.oid) AS def,
           (SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) AS cols
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
    JOIN pg_am am ON am.oid = i.relam
    WHERE c.relname = ANY(%s) AND x.indexprs IS NULL
)
SELECT a.idx, b.idx FROM ix a JOIN ix b ON a.tbl = b.tbl AND a.idx <> b.idx
WHERE a.method = 'btree' AND b.method = 'btree' AND NOT a.uniq AND NOT a.partial AND NOT b.partial
  AND a.cols = b.cols[1:array_length(a.cols, 1)]
  AND a.def NOT LIKE '%%pattern_ops%%' AND b.def NOT LIKE '%%pattern_ops%%'
"""


def test_no_index_on_the_big_tables_is_served_by_another():
    with connection.cursor() as cursor:
        cursor.execute(COVERED, [BIG_TABLES])
        covered = cursor.fetchall()
    assert covered == []


def test_a_resident_still_has_one_spouse():
    resident = make_resident()
    make_child(resident, relation=FamilyMember.Relation.SPOUSE, birth_date=resident.birth_date)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_child(resident, relation=FamilyMember.Relation.SPOUSE, birth_date=resident.birth_date)
