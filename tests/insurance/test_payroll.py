"""Payroll upload: every bad row reported by line, nothing written from a bad file; corrections settled."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from insurance import services
from insurance.models import ContributionLine, PayrollEntry, PayrollUpload
from insurance.payroll import PayrollFileError, read_payroll
from kunshan_portal.errors import DomainError
from tests.factories import make_resident
from tests.insurance.factories import make_employer_account, make_enrolment

OCTOBER = date(2025, 10, 1)


def csv_file(*rows, header="id_number,wage,period") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(employer, account, content: bytes, name="payroll.csv"):
    return services.payroll_upload(employer=employer, file_name=name, content=content, actor=account)


@pytest.fixture
def staff(db):
    employer, account = make_employer_account()
    enrolments = [make_enrolment(employer=employer, start_date=date(2025, 1, 1)) for _ in range(2)]
    return employer, account, enrolments


def test_a_good_file_saves_one_entry_per_row(staff):
    employer, account, (first, second) = staff

    saved = upload(employer, account, csv_file(
        f"{first.resident.id_number},6100.00,2025-10", f"{second.resident.id_number},6200,2025-9",
    ))  # fmt: skip

    assert (saved.rows, saved.changed) == (2, 2)
    assert set(PayrollEntry.objects.values_list("enrolment_id", "period", "wage")) == {
        (first.pk, OCTOBER, Decimal("6100.00")),
        (second.pk, date(2025, 9, 1), Decimal("6200.00")),
    }


def test_every_bad_row_is_reported_by_line_and_nothing_is_written(staff):
    # given
    employer, account, (first, second) = staff
    stranger = make_resident()
    content = csv_file(
        f"{first.resident.id_number},6100.00,2025-10",  # line 2: good
        "340121199005170000,6100,2025-10",  # line 3: not a valid number
        f"{second.resident.id_number},lots,2025-13",  # line 4: bad wage and bad month
        f"{stranger.id_number},5000,2025-10",  # line 5: not enrolled with this employer
        f"{first.resident.id_number},6100.00,2025-10",  # line 6: same person and month again
        f"{second.resident.id_number},5000,2099-01",  # line 7: a month that has not begun
        ",5000,2025-10",  # line 8: no number
    )

    # when
    with pytest.raises(services.PayrollFileRejected) as rejected:
        upload(employer, account, content)

    # then
    lines = [error.line for error in rejected.value.errors]
    assert lines == [3, 4, 4, 5, 6, 7, 8]
    messages = [str(error) for error in rejected.value.errors]
    assert messages[0].startswith("Line 3: no registered resident")
    assert "not a month written YYYY-MM" in messages[2]
    assert "not enrolled by your company for 2025-10" in messages[3]
    assert "already on line 2" in messages[4]
    assert "has not begun" in messages[5]
    assert not PayrollUpload.objects.exists() and not PayrollEntry.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("payroll.pdf", b"%PDF", "Upload a CSV"),
        ("payroll.csv", b"name,salary\nx,1\n", "missing: id_number, wage, period"),
        ("payroll.csv", b"id_number,wage,period\n", "no payroll rows"),
        ("payroll.xlsx", b"not a workbook", "cannot be read"),
    ],
)
def test_an_unusable_file_is_refused_as_a_whole(staff, name, content, message):
    employer, account, _ = staff

    with pytest.raises(DomainError, match=message) as refused:
        upload(employer, account, content, name=name)

    assert refused.value.field == "file"


def test_an_excel_file_with_chinese_headers_and_typed_cells_is_read(staff):
    employer, account, (first, _) = staff
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "工资", "月份"])
    sheet.append(["张伟", first.resident.id_number, 6100.5, date(2025, 10, 1)])
    buffer = io.BytesIO()
    book.save(buffer)

    upload(employer, account, buffer.getvalue(), name="工资表.xlsx")

    assert PayrollEntry.objects.get().wage == Decimal("6100.50")


def test_a_csv_saved_by_a_chinese_spreadsheet_in_gb18030_is_read(staff):
    employer, account, (first, _) = staff
    content = f"身份证号,工资,月份\n{first.resident.id_number},6100,2025-10\n".encode("gb18030")

    upload(employer, account, content)

    assert PayrollEntry.objects.count() == 1


def test_a_payroll_for_a_computed_month_with_another_wage_adds_adjustments(staff):
    # given
    employer, account, (first, second) = staff
    services.contribution_run_in_process(period=OCTOBER, actor=None)

    # when: the first earned more than the enrolment said, the second exactly that
    saved = upload(employer, account, csv_file(
        f"{first.resident.id_number},7000,2025-10", f"{second.resident.id_number},6000,2025-10",
    ))  # fmt: skip

    # then
    adjustments = ContributionLine.objects.filter(kind="adjustment")
    assert set(adjustments.values_list("enrolment_id", "cause")) == {(first.pk, "payroll")}
    assert adjustments.get(scheme="pension").employer_amount == Decimal("180.00")
    assert saved.changed == 2

    # and the same file again changes nothing
    again = upload(employer, account, csv_file(f"{first.resident.id_number},7000,2025-10"))
    assert again.changed == 0 and ContributionLine.objects.filter(kind="adjustment").count() == 5


def test_another_employers_account_may_not_upload(staff):
    employer, _, _ = staff
    _, stranger = make_employer_account()

    with pytest.raises(DomainError) as refused:
        upload(employer, stranger, csv_file())

    assert refused.value.code == "forbidden"


def test_the_reader_skips_blank_lines_and_keeps_line_numbers():
    rows = read_payroll("p.csv", b"id_number;wage;period\n\nA;1;2025-10\n;;\nB;2;2025-11\n")

    assert [(row.line, row.id_number) for row in rows] == [(3, "A"), (5, "B")]


def test_the_reader_refuses_a_file_without_the_columns():
    with pytest.raises(PayrollFileError) as refused:
        read_payroll("p.csv", b"id_number,amount\n1,2\n")

    assert refused.value.missing == ("wage", "period")
