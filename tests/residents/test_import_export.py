"""Caseworkers' files: all-or-nothing imports with every bad line reported, exports that mask and log."""

import csv
import io
import threading
from datetime import date

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from kunshan_portal import roles
from kunshan_portal.errors import DomainError
from kunshan_portal.exports import neutralise_formula
from residents import services
from residents.idcard import make_uscc
from residents.models import Employer, PersonalDataAccess, Resident
from residents.resources import EmployerResource, ResidentResource
from tests.factories import make_employer, make_resident, new_id_number

RESIDENT_HEADER = list(services.RESIDENT_IMPORT_COLUMNS)
EMPLOYER_HEADER = list(services.EMPLOYER_IMPORT_COLUMNS)
CSV_FORMAT, XLSX_FORMAT = "0", "1"


@pytest.fixture
def caseworker(make_user):
    return make_user("cw_residents", roles.CASEWORKER_GROUPS["residents"])


@pytest.fixture
def cw_client(client, caseworker):
    client.force_login(caseworker)
    return client


def resident_row(n: int, **overrides) -> dict:
    row = {
        "name": f"李{n}",
        "id_number": new_id_number(date(1985 + n % 20, 1 + n % 12, 1 + n % 28)),
        "phone": f"139{n:08d}",
        "arrival_date": "2021-03-15",
        "town": "yushan",
        "address": f"前进中路 {n} 号",
        "education": "junior",
        "employer_uscc": "",
    }
    row.update(overrides)
    return row


def employer_row(n: int, **overrides) -> dict:
    row = {
        "name": f"昆山测试电子 {n}",
        "uscc": make_uscc(f"91320583MB{n + 500000:07d}"),
        "sector": "electronics",
        "town": "zhoushi",
        "foreign_funded": "yes" if n % 2 else "no",
        "contact_name": "王经理",
        "contact_phone": "0512-5555555",
    }
    row.update(overrides)
    return row


def csv_bytes(header, rows, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(header, rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([row[column] for column in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, model: str, content: bytes, fmt: str, name: str):
    url = reverse(f"admin:residents_{model}_import")
    return client.post(
        url, {"import_file": SimpleUploadedFile(name, content), "format": fmt, "resource": "0"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip


def three_bad_out_of_ten() -> tuple[list[dict], dict[int, set[str]]]:
    rows = [resident_row(n) for n in range(10)]
    good_id = rows[2]["id_number"]
    rows[2]["id_number"] = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")  # wrong check character
    rows[5].update(phone="12345", town="atlantis")  # two errors on one line
    rows[8]["arrival_date"] = "2999-01-01"  # in the future
    # the header is line 1, so row index i is line i + 2
    return rows, {4: {"id_number"}, 7: {"phone", "town"}, 10: {"arrival_date"}}


# --- the service: the rule ---------------------------------------------------------------------------


def test_a_file_with_three_bad_lines_reports_each_with_its_errors_and_writes_nothing(caseworker):
    # given
    rows, expected = three_bad_out_of_ten()
    # when
    with pytest.raises(services.ImportRejected) as refused:
        services.residents_import(rows=rows, actor=caseworker)
    # then
    assert {line: set(errors) for line, errors in refused.value.errors.items()} == expected
    assert "check character" in refused.value.errors[4]["id_number"][0]
    assert "3 lines have errors" in str(refused.value)
    assert not Resident.objects.exists()


def test_a_number_repeated_in_the_file_is_refused_on_the_later_line(caseworker):
    rows = [resident_row(n) for n in range(4)]
    rows[3]["id_number"] = rows[1]["id_number"].lower()  # the same number, typed differently
    with pytest.raises(services.ImportRejected) as refused:
        services.residents_import(rows=rows, actor=caseworker)
    assert list(refused.value.errors) == [5]
    assert refused.value.errors[5]["id_number"] == ["The same identity number is on line 3."]
    assert not Resident.objects.exists()


def test_a_number_the_registry_holds_already_is_refused(caseworker):
    existing = make_resident()
    rows = [resident_row(0), resident_row(1, id_number=existing.id_number)]
    with pytest.raises(services.ImportRejected) as refused:
        services.residents_import(rows=rows, actor=caseworker)
    assert refused.value.errors == {3: {"id_number": ["This identity number is already registered."]}}
    assert Resident.objects.count() == 1


def test_a_good_file_imports_pending_residents_with_what_their_numbers_say(caseworker):
    employer = make_employer()
    rows = [resident_row(n) for n in range(5)]
    rows[0]["employer_uscc"] = employer.uscc.lower()
    created = services.residents_import(rows=rows, actor=caseworker)
    assert created == 5
    first = Resident.objects.get(name="李0")
    assert first.state == Resident.State.PENDING and first.card_number is None
    assert first.id_number == rows[0]["id_number"] and first.id_number_masked.count("*") == 10
    assert first.birth_date == date(1985, 1, 1) and first.home_province_code == rows[0]["id_number"][:2]
    assert first.employer == employer and first.town.code == "yushan"


def test_spreadsheet_values_are_read_as_people_type_them(caseworker):
    row = resident_row(1, phone=13912345678.0, arrival_date=date(2020, 5, 1), town=" YUSHAN ",
                       education="Senior")  # fmt: skip
    services.residents_import(rows=[row, dict.fromkeys(row, None)], actor=caseworker)  # blank line ignored
    resident = Resident.objects.get()
    assert (resident.phone, resident.arrival_date, resident.education) == ("13912345678", date(2020, 5, 1),
                                                                           "senior")  # fmt: skip


def test_a_number_stored_as_a_spreadsheet_number_is_explained(caseworker):
    with pytest.raises(services.ImportRejected) as refused:
        services.residents_import(rows=[resident_row(1, id_number=3.40121198501011e17)], actor=caseworker)
    assert "format the column as text" in refused.value.errors[2]["id_number"][0]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "no rows"),
        ([{"name": "x", "phone": "13900000000"}], "lacks these columns: id_number, arrival_date"),
    ],
)
def test_a_file_without_rows_or_columns_is_refused_as_a_whole(caseworker, rows, message):
    with pytest.raises(DomainError, match=message):
        services.residents_import(rows=rows, actor=caseworker)


def test_only_those_who_may_add_residents_import(make_user):
    other = make_user("cw_housing", roles.CASEWORKER_GROUPS["housing"])
    with pytest.raises(DomainError) as refused:
        services.residents_import(rows=[resident_row(1)], actor=other)
    assert refused.value.code == "forbidden"


def test_a_large_file_is_written_in_bulk_in_one_go(caseworker, django_assert_max_num_queries):
    # 10,000 rows take ~6-15 s on the shared 2-core machine (see the README); here a few thousand prove
    # that the number of queries does not grow with the rows (validation in memory, inserts in batches)
    rows = [resident_row(n) for n in range(services.IMPORT_BATCH_SIZE + 500)]
    with django_assert_max_num_queries(16):
        assert services.residents_import(rows=rows, actor=caseworker) == len(rows)
    assert Resident.objects.count() == len(rows)


# serialized_rollback: the seeded towns come back even when an earlier transactional test flushed them
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_overlapping_files_imported_at_once_never_duplicate_a_resident(make_user):
    # given two files that share one identity number, imported by two caseworkers at the same moment
    caseworkers = [make_user(f"cw{i}", roles.CASEWORKER_GROUPS["residents"]) for i in range(2)]
    shared = resident_row(99)
    files = [
        [resident_row(n) for n in range(1, 40)] + [shared],
        [shared] + [resident_row(n) for n in range(40, 80)],
    ]
    start = threading.Barrier(2)
    outcomes = [None, None]

    def run(i):
        try:
            start.wait()
            outcomes[i] = services.residents_import(rows=files[i], actor=caseworkers[i])
        except DomainError as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # then one file is imported whole and the other refused whole
    imported = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(imported) == 1 and len(refused) == 1
    assert Resident.objects.count() == imported[0]
    assert Resident.objects.filter(name=shared["name"]).count() == 1


# --- employers -----------------------------------------------------------------------------------------


def test_an_employer_file_with_a_bad_credit_code_reports_it_and_writes_nothing(caseworker):
    rows = [employer_row(n) for n in range(4)]
    rows[1]["uscc"] = rows[1]["uscc"][:-1] + ("0" if rows[1]["uscc"][-1] != "0" else "1")
    rows[2].update(sector="mining", foreign_funded="maybe")
    rows[3]["uscc"] = rows[0]["uscc"]
    with pytest.raises(services.ImportRejected) as refused:
        services.employers_import(rows=rows, actor=caseworker)
    errors = refused.value.errors
    assert set(errors) == {3, 4, 5}
    assert "does not match" in errors[3]["uscc"][0]
    assert set(errors[4]) == {"sector", "foreign_funded"}
    assert errors[5] == {"uscc": ["The same credit code is on line 2."]}
    assert not Employer.objects.exists()


def test_a_good_employer_file_imports(caseworker):
    existing = make_employer()
    rows = [employer_row(n) for n in range(3)]
    assert services.employers_import(rows=rows, actor=caseworker) == 3
    employer = Employer.objects.get(uscc=rows[1]["uscc"])
    assert employer.foreign_funded and employer.town.code == "zhoushi"
    with pytest.raises(services.ImportRejected) as refused:
        services.employers_import(rows=[employer_row(7, uscc=existing.uscc)], actor=caseworker)
    assert refused.value.errors[2]["uscc"] == ["A company with this credit code is registered already."]


# --- the admin: wiring and permissions -----------------------------------------------------------------


def test_the_admin_lists_every_bad_line_of_a_csv_and_imports_nothing(cw_client):
    rows, expected = three_bad_out_of_ten()
    response = upload(cw_client, "resident", csv_bytes(RESIDENT_HEADER, rows), CSV_FORMAT, "residents.csv")
    assert response.status_code == 200
    result = response.context["result"]
    assert {row.number for row in result.invalid_rows} == set(expected)
    page = response.content.decode()
    assert 'id="import-errors"' in page and 'data-line="7"' in page
    assert rows[2]["id_number"] not in page  # a number shown back is masked
    assert not Resident.objects.exists()


def test_the_admin_imports_a_good_xlsx_in_one_go(cw_client):
    rows = [resident_row(n) for n in range(25)]
    response = upload(cw_client, "resident", xlsx_bytes(RESIDENT_HEADER, rows), XLSX_FORMAT, "residents.xlsx")
    assert response.status_code == 302
    assert Resident.objects.count() == 25
    listing = cw_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "25 residents imported." in [str(m) for m in listing.context["messages"]]


def test_the_admin_reports_bad_lines_of_an_xlsx(cw_client):
    rows, expected = three_bad_out_of_ten()
    response = upload(cw_client, "resident", xlsx_bytes(RESIDENT_HEADER, rows), XLSX_FORMAT, "residents.xlsx")
    assert {row.number for row in response.context["result"].invalid_rows} == set(expected)
    assert not Resident.objects.exists()


def test_a_csv_saved_by_excel_on_chinese_windows_is_read(cw_client):
    content = csv_bytes(RESIDENT_HEADER, [resident_row(1, name="王小二")], encoding="gb18030")
    response = upload(cw_client, "resident", content, CSV_FORMAT, "residents.csv")
    assert response.status_code == 302
    assert Resident.objects.get().name == "王小二"


def test_a_file_missing_columns_is_refused_with_the_list(cw_client):
    content = csv_bytes(["name", "phone"], [{"name": "x", "phone": "13900000000"}])
    response = upload(cw_client, "resident", content, CSV_FORMAT, "residents.csv")
    assert response.status_code == 200
    assert "lacks these columns" in response.content.decode()
    assert 'id="import-base-errors"' in response.content.decode()


def test_the_admin_imports_employers_and_reports_bad_credit_codes(cw_client):
    rows = [employer_row(n) for n in range(3)]
    rows[2]["uscc"] = "91320583XXXXXXXXX"
    response = upload(cw_client, "employer", csv_bytes(EMPLOYER_HEADER, rows), CSV_FORMAT, "employers.csv")
    assert [row.number for row in response.context["result"].invalid_rows] == [4]
    assert not Employer.objects.exists()
    rows[2]["uscc"] = make_uscc("91320583MB0999999")
    response = upload(cw_client, "employer", csv_bytes(EMPLOYER_HEADER, rows), CSV_FORMAT, "employers.csv")
    assert response.status_code == 302 and Employer.objects.count() == 3


@pytest.mark.parametrize(
    ("role", "url_name", "status"),
    [
        ("caseworker_employment", "admin:residents_resident_import", 403),
        ("caseworker_employment", "admin:residents_resident_export", 403),
        ("caseworker_employment", "admin:residents_employer_import", 403),
        ("caseworker_employment", "admin:residents_employer_export", 200),
        ("caseworker_residents", "admin:residents_resident_import", 200),
        ("caseworker_residents", "admin:residents_resident_export", 200),
    ],
)
def test_only_the_registrys_caseworkers_import_and_export_residents(
    client, make_user, role, url_name, status
):
    client.force_login(make_user("someone", role))
    assert client.get(reverse(url_name)).status_code == status


# --- export --------------------------------------------------------------------------------------------


def export_csv(client, **data) -> list[dict]:
    fields = {f"residentresource_{name}": "on" for name in ResidentResource().get_export_order()}
    response = client.post(reverse("admin:residents_resident_export"), {"format": CSV_FORMAT, "resource": "0",
                                                                        **fields, **data})  # fmt: skip
    assert response.status_code == 200, response.content[:500]
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_gives_residents_caseworkers_full_numbers_and_logs_each_resident(cw_client, caseworker):
    residents = [make_resident(employer=make_employer()) for _ in range(3)]
    rows = export_csv(cw_client)
    assert sorted(row["id_number"] for row in rows) == sorted(r.id_number for r in residents)
    assert {row["employer_uscc"] for row in rows} == {r.employer.uscc for r in residents}
    log = PersonalDataAccess.objects.filter(staff=caseworker, purpose=PersonalDataAccess.Purpose.EXPORT)
    assert sorted(log.values_list("resident_id", flat=True)) == sorted(r.pk for r in residents)


def test_export_masks_numbers_for_staff_without_the_permission_and_logs_nothing(client, make_user):
    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="residents",
                                   codename__in=["view_resident", "change_resident"])
    )  # fmt: skip
    client.force_login(clerk)
    resident = make_resident()
    [row] = export_csv(client)
    assert row["id_number"] == resident.id_number_masked != resident.id_number
    assert not PersonalDataAccess.objects.exists()


def test_export_follows_the_list_filters(cw_client):
    make_resident(verified=False)
    verified = make_resident()
    url_filter = "?state__exact=verified"
    fields = {f"residentresource_{name}": "on" for name in ResidentResource().get_export_order()}
    response = cw_client.post(reverse("admin:residents_resident_export") + url_filter,
                              {"format": CSV_FORMAT, "resource": "0", **fields})  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["card_number"] for row in rows] == [verified.card_number]


def test_exported_cells_cannot_run_as_formulas(cw_client):
    make_resident(name='=HYPERLINK("http://x")', address="+1+2", phone="13900000001")
    [row] = export_csv(cw_client)
    assert row["name"] == '\'=HYPERLINK("http://x")'
    assert row["address"] == "'+1+2"


def test_xlsx_export_opens_as_a_workbook_with_neutralised_cells(cw_client):
    make_resident(address="@SUM(A1)")
    fields = {f"residentresource_{name}": "on" for name in ResidentResource().get_export_order()}
    response = cw_client.post(reverse("admin:residents_resident_export"),
                              {"format": XLSX_FORMAT, "resource": "0", **fields})  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, values = (list(r) for r in sheet.iter_rows(values_only=True))
    assert dict(zip(header, values, strict=True))["address"] == "'@SUM(A1)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+86", "'+86"), ("-2", "'-2"), ("@x", "'@x"), ("\tx", "'\tx"), ("张伟", "张伟"),
     ("", ""), (None, None), (5, 5)],
)  # fmt: skip
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


def test_employer_export_writes_the_import_columns(cw_client):
    employer = make_employer(foreign_funded=True)
    fields = {f"employerresource_{name}": "on" for name in EmployerResource().get_export_order()}
    response = cw_client.post(reverse("admin:residents_employer_export"),
                              {"format": CSV_FORMAT, "resource": "0", **fields})  # fmt: skip
    [row] = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert list(row) == EMPLOYER_HEADER
    assert (row["uscc"], row["town"], row["foreign_funded"]) == (employer.uscc, "yushan", "yes")
