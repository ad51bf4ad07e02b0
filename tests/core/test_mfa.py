import time
from types import SimpleNamespace

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kunshan_portal import roles


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"


@pytest.fixture
def staff_mfa(settings):
    settings.KUNSHAN_STAFF_MFA = True


@pytest.fixture
def caseworker(make_user):
    return make_user("cw", roles.CASEWORKER_GROUPS["housing"])


def test_staff_without_a_second_factor_is_sent_to_set_one_up(client, caseworker, staff_mfa):
    client.force_login(caseworker)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup"))


def test_setting_up_an_authenticator_verifies_the_session_and_shows_recovery_codes(
    client, caseworker, staff_mfa
):
    client.force_login(caseworker)
    page = client.get(reverse("mfa-setup"))
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=caseworker, confirmed=False)
    # a wrong code is refused with a message and nothing confirmed
    wrong = client.post(
        reverse("mfa-setup"), {"token": "000000" if current_code(device) != "000000" else "111111"}
    )
    assert "not right" in wrong.content.decode() or "不正确" in wrong.content.decode()
    response = client.post(reverse("mfa-setup"), {"token": current_code(device)})
    assert response.status_code == 200
    assert len(response.context["codes"]) == 9  # ten made, one used to verify this session
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_later_login_needs_the_code_and_a_recovery_code_works_once(client, caseworker, staff_mfa):
    client.force_login(caseworker)
    client.get(reverse("mfa-setup"))
    device = TOTPDevice.objects.get(user=caseworker)
    codes = client.post(reverse("mfa-setup"), {"token": current_code(device)}).context["codes"]
    client.logout()
    client.force_login(caseworker)
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("mfa-verify"))
    assert client.post(reverse("mfa-verify"), {"token": codes[0], "next": "/admin/"})["Location"] == "/admin/"
    client.logout()
    client.force_login(caseworker)
    again = client.post(reverse("mfa-verify"), {"token": codes[0]})
    assert again.status_code == 200  # used already: the form shows the error
    assert client.get(reverse("admin:index")).status_code == 302


def test_residents_are_not_forced_but_may_turn_it_on_and_off(client, resident_user, staff_mfa):
    client.force_login(resident_user)
    assert client.get(reverse("notice-list")).status_code == 200
    client.get(reverse("mfa-setup"))
    device = TOTPDevice.objects.get(user=resident_user)
    client.post(reverse("mfa-setup"), {"token": current_code(device)})
    client.logout()
    client.force_login(resident_user)
    assert client.get(reverse("notice-list"))["Location"].startswith(reverse("mfa-verify"))
    client.post(reverse("mfa-verify"), {"token": current_code(device)})
    client.post(reverse("mfa-disable"))
    assert not TOTPDevice.objects.filter(user=resident_user).exists()


def test_staff_cannot_turn_it_off(client, caseworker, staff_mfa):
    client.force_login(caseworker)
    client.get(reverse("mfa-setup"))
    device = TOTPDevice.objects.get(user=caseworker)
    client.post(reverse("mfa-setup"), {"token": current_code(device)})
    client.post(reverse("mfa-disable"))
    assert TOTPDevice.objects.filter(user=caseworker, confirmed=True).exists()


def test_staff_sessions_expire_when_idle(client, caseworker, settings):
    settings.KUNSHAN_STAFF_IDLE_SECONDS = 900
    client.force_login(caseworker)
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == 900


def test_a_staff_session_is_written_back_at_most_once_a_minute(client, caseworker, settings, monkeypatch):
    # given: a caseworker who has just opened a page
    settings.KUNSHAN_STAFF_IDLE_SECONDS = 900
    clock = [1_000_000.0]
    monkeypatch.setattr("kunshan_portal.mfa.time", SimpleNamespace(time=lambda: clock[0]))
    client.force_login(caseworker)
    client.get(reverse("home"))
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    # when: more pages within the minute
    clock[0] += 30
    client.get(reverse("home"))
    # then: the session row is not written again
    assert Session.objects.get(session_key=key).expire_date == first
    # when: a page after the minute
    clock[0] += 31
    client.get(reverse("home"))
    # then: the idle clock moved forward
    assert Session.objects.get(session_key=key).expire_date > first


def test_resident_sessions_last_longer(client, resident_user):
    client.force_login(resident_user)
    client.get(reverse("home"))
    assert client.session.get_expiry_age() > 900
    assert time.time()  # the session is kept across visits


def test_security_headers(client, db):
    response = client.get(reverse("home"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
