"""Documents: PDF, JPEG and PNG only (by content), size-limited, stored outside the web root, served only
to the applicant and the staff who may see the case."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from kunshan_portal.errors import DomainError
from legal_aid import services
from legal_aid.models import Case, CaseDocument, StationStaff
from tests.factories import make_resident
from tests.legal_aid.factories import JPEG, PDF, PNG, advance, file_case, make_staff, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("content", "name", "content_type", "suffix"),
    [
        (PDF, "contract.pdf", "application/pdf", ".pdf"),
        (JPEG, "payslip.jpg", "image/jpeg", ".jpg"),
        (PNG, "screenshot.png", "image/png", ".png"),
        (PDF, "scan.txt", "application/pdf", ".pdf"),  # the content decides, not the name
    ],
)
def test_pdf_and_images_are_accepted_by_their_content(content, name, content_type, suffix):
    case = file_case()
    document = services.document_add(case=case, upload=upload(content, name), actor=case.applicant.user)
    assert (document.content_type, document.original_name, document.size) == (
        content_type,
        name,
        len(content),
    )
    stored = Path(document.file.path)
    assert stored.suffix == suffix and stored.read_bytes() == content
    assert name.split(".")[0] not in stored.name  # a random name on disk


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"hello, this is text", "contract.pdf"),
        (b"MZ\x90\x00\x03" + b"\x00" * 40, "photo.png"),  # a Windows program
        (b"<html><script>alert(1)</script></html>", "page.jpg"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "broken.png"),  # a PNG signature without its header chunk
        (b"GIF89a" + b"\x00" * 20, "animation.gif"),
    ],
)
def test_other_files_are_refused_whatever_their_name(content, name):
    case = file_case()
    with pytest.raises(DomainError, match="Only PDF, JPEG or PNG") as refused:
        services.document_add(case=case, upload=upload(content, name), actor=case.applicant.user)
    assert refused.value.field == "file"
    assert not CaseDocument.objects.exists()


def test_empty_and_oversized_files_are_refused(settings):
    case = file_case()
    with pytest.raises(DomainError, match="empty"):
        services.document_add(case=case, upload=upload(b"", "empty.pdf"), actor=case.applicant.user)
    settings.LEGAL_AID_MAX_DOCUMENT_BYTES = 1024 * 1024
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(DomainError, match="at most 1 MB"):
        services.document_add(case=case, upload=upload(big, "big.pdf"), actor=case.applicant.user)
    assert not CaseDocument.objects.exists()


def test_files_live_under_the_private_media_root_outside_the_web_root():
    case = file_case()
    document = services.document_add(case=case, upload=upload(), actor=case.applicant.user)
    stored = Path(document.file.path).resolve()
    assert stored.is_relative_to(Path(django_settings.MEDIA_ROOT).resolve())
    for public in (*django_settings.STATICFILES_DIRS, django_settings.STATIC_ROOT):
        assert not stored.is_relative_to(Path(public).resolve())


def test_a_filing_with_one_bad_document_is_refused_whole_and_leaves_no_file():
    with pytest.raises(DomainError, match="Only PDF"):
        file_case(documents=[upload(PDF, "a.pdf"), upload(b"not a pdf", "b.pdf")])
    assert not Case.objects.exists() and not CaseDocument.objects.exists()
    media = Path(django_settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_another_resident_cannot_attach_to_a_case_and_an_ended_case_takes_none(caseworker):
    case = file_case()
    with pytest.raises(DomainError) as refused:
        services.document_add(case=case, upload=upload(), actor=make_resident().user)
    assert refused.value.code == "forbidden"
    services.case_withdraw(case=case, actor=case.applicant.user)
    with pytest.raises(DomainError, match="ended"):
        services.document_add(case=case, upload=upload(), actor=case.applicant.user)
    # the station may still file papers on an ended case
    assert services.document_add(case=case, upload=upload(), actor=caseworker.user).pk


def test_documents_are_served_only_to_those_who_may_see_the_case(client, caseworker, lawyer):
    case = advance(file_case(documents=[upload()]), "assigned", caseworker=caseworker, lawyer=lawyer)
    document = case.documents.get()
    url = reverse("legal_aid:document-download", args=[case.pk, document.pk])
    allowed = [case.applicant.user, caseworker.user, lawyer.user]
    refused = [
        make_resident().user,
        make_staff("bacheng", StationStaff.Role.CASEWORKER).user,  # another station
        make_staff("yushan", StationStaff.Role.LAWYER).user,  # a lawyer the case is not assigned to
    ]
    for user in allowed:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    for user in refused:
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.logout()
    assert client.get(url).status_code == 302
    # a document id under the wrong case answers 404 too
    client.force_login(case.applicant.user)
    other = file_case(applicant=case.applicant, documents=[upload()])
    assert client.get(reverse("legal_aid:document-download", args=[other.pk, document.pk])).status_code == 404
