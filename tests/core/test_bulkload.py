"""Bulk loads with COPY keep the history the row triggers would have written, in one statement per batch."""

import pghistory
import pytest
from django.db import connection, transaction
from django.utils import timezone

from kunshan_portal.bulkload import copy_rows
from residents.idcard import make_uscc
from residents.models import Employer, Town

pytestmark = pytest.mark.django_db


def _rows(count: int, town: Town) -> list[tuple]:
    now = timezone.now()
    return [
        (now, now, f"批量公司 {n}", make_uscc(f"91320583BL{n:07d}"), "electronics", town.pk, False, "HR",
         f"0512-7{n:07d}")
        for n in range(1, count + 1)
    ]  # fmt: skip


COLUMNS = ["created_at", "updated_at", "name", "uscc", "sector", "town", "foreign_funded", "contact_name",
           "contact_phone"]  # fmt: skip


def test_copied_rows_get_the_insert_events_the_trigger_writes_with_their_context():
    # given
    town = Town.objects.first()
    # when
    with pghistory.context(source="bulk test"):
        copy_rows(Employer, COLUMNS, _rows(3, town))
    # then: one insert event per row, with the row's values and the context
    copied = Employer.objects.filter(uscc__contains="BL").order_by("pk")
    assert copied.count() == 3
    for employer in copied:
        events = list(Employer.pgh_event_models["insert"].objects.filter(pgh_obj_id=employer.pk))
        assert [(e.pgh_label, e.name, e.uscc, e.town_id) for e in events] == [
            ("insert", employer.name, employer.uscc, town.pk)
        ]
        assert events[0].pgh_context.metadata == {"source": "bulk test"}


def test_after_a_copy_the_row_trigger_writes_history_again_in_the_same_transaction():
    # given
    town = Town.objects.first()
    event_model = Employer.pgh_event_models["insert"]
    with transaction.atomic():
        copy_rows(Employer, COLUMNS, _rows(1, town))
        # when: a row written the ordinary way right after
        later = Employer.objects.create(
            name="之后的公司", uscc=make_uscc("91320583BL9999999"), sector="retail", town=town
        )
    # then: the trigger wrote its event (the copy's skip ended with the copy)
    assert list(event_model.objects.filter(pgh_obj_id=later.pk).values_list("pgh_label", flat=True)) == [
        "insert"
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
        assert "insert" not in (cursor.fetchone()[0] or "")


def test_a_failed_copy_writes_neither_rows_nor_events():
    # given: the second row repeats the first's credit code
    town = Town.objects.first()
    rows = _rows(1, town) * 2
    event_model = Employer.pgh_event_models["insert"]
    before = event_model.objects.count()
    # when
    with pytest.raises(Exception, match="duplicate key"):
        copy_rows(Employer, COLUMNS, rows)
    # then
    assert not Employer.objects.filter(uscc__contains="BL").exists()
    assert event_model.objects.count() == before
