"""Reads compiled once per process: the same rows as their queryset, for any key, without building it again."""

import pghistory
import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from employment.models import Application
from housing.models import HousingApplication, Tenancy
from kunshan_portal.compiled import CompiledModelQuery, CompiledQuery, execute_prepared
from residents.models import Resident
from tests.employment.factories import make_application, make_job, make_seeker
from tests.factories import make_employer, make_resident
from tests.housing.factories import apply, let, make_beds, make_compound

pytestmark = pytest.mark.django_db


def _applications(resident_id):
    return (
        Application.objects.filter(resident_id=resident_id, state__in=["submitted", "shortlisted"])
        .order_by("-submitted_at", "-id")
        .values_list("pk", "state", "submitted_at", "job__title", "job__employer__name")
    )


def test_the_rows_are_the_querysets_for_every_key():
    # given: two residents with applications, one without
    first, second, none = (make_seeker(skill_codes=["assembly"]) for _ in range(3))
    for resident, count in ((first, 2), (second, 1)):
        for _ in range(count):
            make_application(job=make_job(), resident=resident)
    compiled = CompiledQuery(_applications)

    for resident in (first, second, none, first):
        # when
        rows = compiled.rows(resident.pk)
        # then
        assert rows == list(_applications(resident.pk))
    assert len(compiled.rows(first.pk)) == 2


def test_the_queryset_is_built_once_and_each_call_is_one_query():
    # given
    built = []

    def build(resident_id):
        built.append(resident_id)
        return _applications(resident_id)

    compiled = CompiledQuery(build)
    resident = make_application().resident

    # when
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            compiled.rows(resident.pk)

    # then
    assert len(built) == 1
    assert len(queries.captured_queries) == 3


def test_a_key_the_query_does_not_take_is_refused():
    compiled = CompiledQuery(lambda resident_id: Application.objects.values_list("pk"))
    with pytest.raises(ValueError, match="Each key"):
        compiled.rows(1)


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _residents_of(user_id):
    return Resident.objects.select_related("town", "employer").filter(user_id=user_id).order_by("pk")[:1]


def test_instances_are_the_querysets_with_their_related_objects_and_no_further_query():
    # given: a resident with an employer and one without (the nullable relation is None, not a query)
    employed, unemployed = make_resident(employer=make_employer()), make_resident()
    compiled = CompiledModelQuery(_residents_of)

    for resident in (employed, unemployed, employed):
        # when
        with CaptureQueriesContext(connection) as queries:
            found = compiled.first(resident.user_id)
            town, employer = found.town, found.employer
        # then
        expected = _residents_of(resident.user_id).get()
        assert _fields(found) == _fields(expected)
        assert (town, employer) == (expected.town, expected.employer)
        assert _fields(town) == _fields(expected.town)
        assert found._state.adding is False and found._state.db == "default"
        assert found.id_number == resident.id_number  # the encrypted number reads back
        assert len(queries.captured_queries) == 1
    assert compiled.first(-1) is None


def test_each_column_goes_through_its_fields_conversion_and_annotations_are_set():
    # given: JSON and a decimal, which the database driver alone would not give as Django does
    compound = make_compound()
    make_beds(compound, 1)
    application = apply(None, compound)
    HousingApplication.objects.filter(pk=application.pk).update(points=12, points_breakdown=[["years", 12]])
    compiled = CompiledModelQuery(
        lambda pk: HousingApplication.objects.filter(pk=pk).extra(select={"doubled": "points * 2"})
    )

    # when
    found = compiled.first(application.pk)

    # then
    assert found.points_breakdown == [["years", 12]]
    assert found.household_income == application.household_income
    assert found.doubled == 24
    assert _fields(found) == _fields(HousingApplication.objects.get(pk=application.pk))


def test_prefetched_lookups_are_fetched_as_the_queryset_would():
    # given
    tenancy = let(make_beds(make_compound(), 1)[0])
    compiled = CompiledModelQuery(
        lambda resident_id: Tenancy.objects.filter(resident_id=resident_id).prefetch_related("rent_changes")
    )

    # when
    with CaptureQueriesContext(connection) as queries:
        found = compiled.first(tenancy.resident_id)
        changes = list(found.rent_changes.all())

    # then
    assert found.pk == tenancy.pk
    assert changes == list(tenancy.rent_changes.all())
    assert len(queries.captured_queries) == 2


def test_an_account_read_by_its_key_alone_is_the_one_django_reads():
    # given
    resident = make_resident(employer=make_employer())
    User = type(resident.user)

    # when
    with CaptureQueriesContext(connection) as queries:
        found = User.objects.get(pk=resident.user_id)

    # then
    assert _fields(found) == _fields(User.objects.filter(pk=resident.user_id).get())
    assert len(queries.captured_queries) == 1
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=resident.user_id + 1_000)
    assert User.objects.get(username=resident.user.username) == found  # other reads as before
    assert User.objects.db_manager("default").get(pk=resident.user_id) == found


def test_a_queryset_of_values_is_refused():
    compiled = CompiledModelQuery(lambda resident_id: Resident.objects.filter(pk=resident_id).values("pk"))
    with pytest.raises(ValueError, match="model instances"):
        compiled.objects(1)


# --- Prepared statements ----------------------------------------------------------------------------


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'kp\\_%%'")
        return sorted(name for (name,) in cursor.fetchall())


@pytest.fixture
def lasting_sessions(monkeypatch):
    """Database sessions that outlive a request, as the server's do with DATABASE_URL (CONN_MAX_AGE)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)


def test_a_read_is_prepared_once_in_a_session_then_each_call_is_one_execute_showing_its_sql(lasting_sessions):
    # given
    application = make_application(note="first")

    def notes(resident_id):  # a statement no other test sends
        return Application.objects.filter(resident_id=resident_id).values_list("pk", "note")

    compiled = CompiledQuery(notes)
    before = _prepared_statements()

    # when
    with CaptureQueriesContext(connection) as queries:
        rows = [compiled.rows(application.resident_id) for _ in range(3)]

    # then: one more statement prepared in the session, and the same rows each time
    assert len(_prepared_statements()) == len(before) + 1
    assert rows == [[(application.pk, "first")]] * 3
    sent = [query["sql"] for query in queries.captured_queries]
    assert len(sent) == 3
    assert all(sql.startswith("EXECUTE kp_") and 'FROM "employment_application"' in sql for sql in sent)


def test_a_statement_prepared_in_a_rolled_back_transaction_still_answers(lasting_sessions):
    application = make_application()
    compiled = CompiledQuery(_applications)

    with pytest.raises(DatabaseError), transaction.atomic():
        compiled.rows(application.resident_id)  # prepared here …
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")  # … and the transaction fails

    assert compiled.rows(application.resident_id) == list(_applications(application.resident_id))


@pytest.mark.django_db(transaction=True)
def test_a_new_session_prepares_its_statements_again(lasting_sessions):
    application = make_application()
    compiled = CompiledQuery(_applications)
    assert len(compiled.rows(application.resident_id)) == 1

    connection.close()  # the server reconnects: its new session has no statement prepared

    assert _prepared_statements() == []
    assert compiled.rows(application.resident_id) == list(_applications(application.resident_id))
    assert len(_prepared_statements()) == 1


@pytest.mark.parametrize("off", ["sessions end with each request", "turned off"])
def test_where_sessions_end_with_each_request_or_it_is_turned_off_nothing_is_prepared(
    monkeypatch, settings, off
):
    if off == "turned off":
        settings.KUNSHAN_PREPARED_STATEMENTS = False
    else:
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    application = make_application()

    with CaptureQueriesContext(connection) as queries:
        rows = CompiledQuery(_applications).rows(application.resident_id)

    assert rows == list(_applications(application.resident_id))
    assert [query["sql"].startswith("SELECT") for query in queries.captured_queries] == [True]


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        ("SELECT %s::text || '%%'", ["5"], ("5%",)),  # a literal percent sign
        ("SELECT count(*) FROM unnest(%s::int[]) WHERE unnest > %s", [[1, 2, 3], 1], (2,)),
        ("SELECT 'no parameters'", [], ("no parameters",)),
        ("SELECT 1 /* a comment */ + %s", [1], (2,)),
    ],
)
def test_any_read_with_positional_parameters_can_be_prepared(lasting_sessions, sql, params, expected):
    with connection.cursor() as cursor:
        for _ in range(2):
            execute_prepared(cursor, sql, params)
            assert cursor.fetchone() == expected


def test_a_prepared_read_goes_without_the_history_mark_and_a_write_beside_it_keeps_it(lasting_sessions):
    # given: a request's history context, as pghistory's middleware opens one for every request
    application = make_application(note="before")
    compiled = CompiledQuery(_applications)
    # when
    with pghistory.context(url="/prepared-read"), CaptureQueriesContext(connection) as queries:
        compiled.rows(application.resident_id)
        Application.objects.filter(pk=application.pk).update(note="after")
    # then: the read is sent as it is; the write is marked, and its history event has the request's context
    read, write = [query["sql"] for query in queries.captured_queries]
    assert read.startswith("EXECUTE kp_")
    assert "set_config('pghistory.context_id'" in write
    events = Application.pgh_event_models["update"].objects.filter(pgh_obj_id=application.pk, note="after")
    assert [event.pgh_context.metadata["url"] for event in events] == ["/prepared-read"]


def test_only_reads_are_sent_as_prepared_statements(lasting_sessions):
    application = make_application(note="kept")
    with connection.cursor() as cursor, pytest.raises(ValueError, match="Only reads"):
        execute_prepared(
            cursor, "UPDATE employment_application SET note = %s WHERE id = %s", ["x", application.pk]
        )
    application.refresh_from_db()
    assert application.note == "kept"
