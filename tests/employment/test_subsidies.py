"""Subsidies for certificates earned through programmes: the amount by level from the table, one subsidy
per certificate (kept by the database), the second approver above the threshold, the payment file."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from employment.models import SubsidyClaim, SubsidyRate, SubsidySchedule
from employment.services import (
    subsidy_claim_approve,
    subsidy_claim_mark_paid,
    subsidy_claim_reject,
    subsidy_claim_submit,
    subsidy_claims_export,
    training_attendance_mark,
    training_complete,
    training_enrol,
)
from kunshan_portal.errors import DomainError
from kunshan_portal.models import Notice
from residents.models import CertificateType, ResidentCertificate
from tests.employment.factories import make_programme, make_seeker, make_training_caseworker, run_programme

pytestmark = pytest.mark.django_db

SEEDED = {
    "diploma": Decimal("600.00"),
    "special": Decimal("500.00"),
    "nvq1": Decimal("800.00"),
    "nvq2": Decimal("1200.00"),
    "nvq3": Decimal("1800.00"),
    "nvq4": Decimal("2500.00"),
    "nvq5": Decimal("3500.00"),
}


def earned(certificate_code: str = "welder-special", resident=None, caseworker=None) -> ResidentCertificate:
    """A certificate the resident earned by completing a programme (through the services)."""
    resident = resident or make_seeker()
    caseworker = caseworker or make_training_caseworker()
    programme = make_programme(certificate=certificate_code, sessions=1)
    enrolment = training_enrol(programme=programme, resident=resident, actor=resident.user)
    programme = run_programme(programme)
    training_attendance_mark(session=programme.session_list.first(), present=[enrolment], actor=caseworker)
    return training_complete(enrolment=enrolment, actor=caseworker).certificate


def claim_for(certificate: ResidentCertificate) -> SubsidyClaim:
    return subsidy_claim_submit(certificate=certificate, actor=certificate.resident.user)


def test_the_seeded_table_pays_by_level_and_nothing_for_level_none():
    schedule = SubsidySchedule.objects.get()
    assert {r.level: r.amount for r in schedule.rates.all()} == SEEDED
    assert schedule.second_approval_above == Decimal("2000.00")


@pytest.mark.parametrize(
    ("certificate_code", "amount", "second"),
    [
        ("vocational-diploma", "600.00", False),
        ("welder-special", "500.00", False),
        ("nvq-electronics-1", "800.00", False),
        ("nvq-electronics-2", "1200.00", False),
        ("nvq-cnc-3", "1800.00", False),
        ("nvq-electrician-4", "2500.00", True),
        ("nvq-technician-5", "3500.00", True),
    ],
)
def test_a_claim_copies_the_amount_for_the_certificate_level(certificate_code, amount, second):
    claim = claim_for(earned(certificate_code))

    assert claim.amount == Decimal(amount)
    assert claim.level == CertificateType.objects.get(code=certificate_code).level
    assert claim.needs_second_approval is second
    assert claim.state == "submitted"


def test_the_amount_is_the_one_in_force_when_claimed_and_stays():
    certificate = earned("nvq-electronics-1")
    newer = SubsidySchedule.objects.create(
        effective_from=date(2026, 6, 1), second_approval_above=Decimal("2000")
    )
    SubsidyRate.objects.create(schedule=newer, level="nvq1", amount=Decimal("900.00"))

    claim = claim_for(certificate)
    SubsidyRate.objects.filter(schedule=newer).update(amount=Decimal("950.00"))

    claim.refresh_from_db()
    assert claim.amount == Decimal("900.00")


def test_a_certificate_without_a_level_gets_no_subsidy():
    certificate = earned("construction-safety")
    with pytest.raises(DomainError, match="has no level"):
        claim_for(certificate)
    assert not SubsidyClaim.objects.exists()


def test_a_declared_certificate_gets_no_subsidy():
    resident = make_seeker(certificate_codes=["welder-special"])
    certificate = ResidentCertificate.objects.get(resident=resident)
    with pytest.raises(DomainError, match="earned through a free training programme"):
        claim_for(certificate)


def test_one_subsidy_per_certificate_said_by_the_service_and_kept_by_the_database():
    certificate = earned()
    first = claim_for(certificate)

    with pytest.raises(DomainError, match="one subsidy per certificate"):
        claim_for(certificate)
    with pytest.raises(IntegrityError), transaction.atomic():
        SubsidyClaim.objects.create(
            resident=first.resident, certificate=certificate, level=first.level, amount=first.amount
        )
    assert SubsidyClaim.objects.count() == 1


def test_after_a_rejection_the_resident_may_claim_again():
    caseworker = make_training_caseworker()
    certificate = earned(caseworker=caseworker)
    claim = claim_for(certificate)

    rejected = subsidy_claim_reject(
        claim=claim, actor=caseworker, reason="The certificate scan was unreadable."
    )
    again = claim_for(certificate)

    assert rejected.state == "rejected"
    assert Notice.objects.filter(
        recipient=certificate.resident.user, body__contains="The certificate scan was unreadable."
    ).exists()
    assert again.state == "submitted"


def test_a_rejection_needs_a_reason():
    caseworker = make_training_caseworker()
    claim = claim_for(earned(caseworker=caseworker))
    with pytest.raises(DomainError, match="reason"):
        subsidy_claim_reject(claim=claim, actor=caseworker, reason="  ")
    assert SubsidyClaim.objects.get(pk=claim.pk).state == "submitted"


def test_below_the_threshold_one_approval_is_enough():
    caseworker = make_training_caseworker()
    claim = claim_for(earned("nvq-cnc-3", caseworker=caseworker))

    approved = subsidy_claim_approve(claim=claim, actor=caseworker)

    assert approved.state == "approved"
    assert approved.first_approved_by == caseworker


def test_above_the_threshold_a_second_different_caseworker_must_approve():
    # given a claim of 2,500 yuan (threshold 2,000)
    first, second = make_training_caseworker(), make_training_caseworker()
    claim = claim_for(earned("nvq-electrician-4", caseworker=first))

    # when the first caseworker approves
    once = subsidy_claim_approve(claim=claim, actor=first)
    assert once.state == "second"

    # then the same person cannot give the second approval
    with pytest.raises(DomainError, match="second, different caseworker"):
        subsidy_claim_approve(claim=once, actor=first)
    assert SubsidyClaim.objects.get(pk=claim.pk).state == "second"

    # and the database refuses it too, however it is written
    with pytest.raises(IntegrityError), transaction.atomic():
        SubsidyClaim.objects.filter(pk=claim.pk).update(second_approved_by=first)

    # when another caseworker approves
    twice = subsidy_claim_approve(claim=once, actor=second)
    assert twice.state == "approved"
    assert (twice.first_approved_by, twice.second_approved_by) == (first, second)


def test_residents_cannot_approve_nor_reject():
    claim = claim_for(earned())
    resident_user = claim.resident.user
    with pytest.raises(DomainError, match="Only employment caseworkers") as refused:
        subsidy_claim_approve(claim=claim, actor=resident_user)
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError, match="Only employment caseworkers"):
        subsidy_claim_reject(claim=claim, actor=resident_user, reason="no")
    assert SubsidyClaim.objects.get(pk=claim.pk).state == "submitted"


def test_a_resident_cannot_claim_for_someone_elses_certificate():
    certificate = earned()
    other = make_seeker()
    with pytest.raises(DomainError, match="only for yourself"):
        subsidy_claim_submit(certificate=certificate, actor=other.user)


def test_approved_claims_go_into_a_payment_file_once_and_are_then_paid():
    caseworker = make_training_caseworker()
    approved = subsidy_claim_approve(claim=claim_for(earned(caseworker=caseworker)), actor=caseworker)
    waiting = claim_for(earned("nvq-cnc-3", caseworker=caseworker))

    batch, exported = subsidy_claims_export(claims=[approved, waiting], actor=caseworker)

    assert [c.pk for c in exported] == [approved.pk]
    assert SubsidyClaim.objects.get(pk=approved.pk).payment_batch == batch
    assert SubsidyClaim.objects.get(pk=waiting.pk).state == "submitted"
    with pytest.raises(DomainError, match="None of these claims"):
        subsidy_claims_export(claims=[approved], actor=caseworker)
    paid = subsidy_claim_mark_paid(claim=approved, actor=caseworker)
    assert paid.state == "paid" and paid.paid_at is not None


# --- Admin: actions and the payment CSV ----------------------------------------------------------------


def admin_action(client, action: str, claims, **extra):
    return client.post(
        "/admin/employment/subsidyclaim/",
        {"action": action, "_selected_action": [c.pk for c in claims], **extra},
    )


def test_the_admin_exports_the_payment_csv_for_the_finance_office(client):
    caseworker = make_training_caseworker()
    resident = make_seeker(name="=HYPERLINK(1)")
    claim = subsidy_claim_approve(
        claim=claim_for(earned(resident=resident, caseworker=caseworker)), actor=caseworker
    )
    client.force_login(caseworker)

    response = admin_action(client, "export_payment_file", [claim])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    claim.refresh_from_db()
    assert claim.state == "exported"
    assert claim.payment_batch in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["claim"] == str(claim.pk)
    assert row["payment_file"] == claim.payment_batch
    assert row["resident"] == "'=HYPERLINK(1)"  # a formula is neutralised
    assert row["card_number"] == resident.card_number
    assert row["certificate"] == "焊工特种作业操作证"
    assert row["amount_yuan"] == "500.00"
    assert row["approved_by"] == caseworker.username


def test_the_admin_approves_and_rejects_with_a_reason(client):
    caseworker = make_training_caseworker()
    to_approve, to_reject = claim_for(earned(caseworker=caseworker)), claim_for(earned(caseworker=caseworker))
    client.force_login(caseworker)

    admin_action(client, "approve_claims", [to_approve])
    asked = admin_action(client, "reject_claims", [to_reject])
    assert "Reason" in asked.content.decode()
    assert SubsidyClaim.objects.get(pk=to_reject.pk).state == "submitted"
    admin_action(client, "reject_claims", [to_reject], confirm="yes", reason="Not a programme certificate.")

    assert SubsidyClaim.objects.get(pk=to_approve.pk).state == "approved"
    rejected = SubsidyClaim.objects.get(pk=to_reject.pk)
    assert (rejected.state, rejected.decision_note) == ("rejected", "Not a programme certificate.")


# --- Resident's page and the API ------------------------------------------------------------------------


def test_the_certificates_page_claims_the_subsidy_and_shows_its_status(client):
    certificate = earned("nvq-electronics-2")
    client.force_login(certificate.resident.user)

    page = client.get("/employment/training/certificates/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Claim the subsidy of 1200.00 yuan" in page.content.decode()
    client.post(f"/employment/training/certificates/{certificate.pk}/claim/")
    page = client.get("/employment/training/certificates/", HTTP_ACCEPT_LANGUAGE="en")

    assert SubsidyClaim.objects.filter(certificate=certificate, amount=Decimal("1200.00")).exists()
    content = page.content.decode()
    assert "waiting for approval" in content
    assert "Claim the subsidy" not in content


def test_another_residents_certificate_answers_404_on_the_page(client):
    certificate = earned()
    other = make_seeker()
    client.force_login(other.user)
    assert client.post(f"/employment/training/certificates/{certificate.pk}/claim/").status_code == 404
    assert not SubsidyClaim.objects.exists()


def test_api_claims_for_the_resident_and_decisions_for_caseworkers(client):
    caseworker = make_training_caseworker()
    certificate = earned(caseworker=caseworker)
    resident_user = certificate.resident.user
    client.force_login(resident_user)

    # a resident claims
    created = client.post(
        "/api/v1/employment/subsidy-claims/", {"certificate": certificate.pk}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    claim_id = created.json()["id"]
    assert created.json()["amount"] == "500.00"
    # twice is a 400 with the reason
    again = client.post(
        "/api/v1/employment/subsidy-claims/", {"certificate": certificate.pk}, content_type="application/json"
    )
    assert again.status_code == 400
    assert "one subsidy per certificate" in again.json()["detail"]
    # a bad body is a 400 with field errors
    bad = client.post(
        "/api/v1/employment/subsidy-claims/", {"certificate": "x"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "certificate" in bad.json()["errors"]
    # the resident cannot approve their own claim
    assert client.post(f"/api/v1/employment/subsidy-claims/{claim_id}/approve/").status_code == 403
    assert [c["id"] for c in client.get("/api/v1/employment/subsidy-claims/").json()["results"]] == [claim_id]

    # another resident sees nothing and gets 404
    other = make_seeker()
    client.force_login(other.user)
    assert client.get("/api/v1/employment/subsidy-claims/").json()["results"] == []
    assert client.get(f"/api/v1/employment/subsidy-claims/{claim_id}/").status_code == 404
    refused = client.post(
        "/api/v1/employment/subsidy-claims/", {"certificate": certificate.pk}, content_type="application/json"
    )
    assert refused.status_code == 400 and "certificate" in refused.json()["errors"]

    # a caseworker rejects without a reason (400), then approves
    client.force_login(caseworker)
    assert (
        client.post(
            f"/api/v1/employment/subsidy-claims/{claim_id}/reject/", {}, content_type="application/json"
        ).status_code
        == 400
    )
    approved = client.post(
        f"/api/v1/employment/subsidy-claims/{claim_id}/approve/", {}, content_type="application/json"
    )
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"
