"""Log-in lock-out by account and by address: guessing one password from many addresses is stopped, and
so is trying many accounts from one address, while a shared factory address tolerates ordinary typos."""

import logging

import pytest
from django.urls import reverse

from kunshan_portal import roles

PASSWORD = "Kunshan-2026!"


@pytest.fixture
def residents(make_user):
    return [make_user(f"1380000{n:04d}", roles.RESIDENT, phone=f"1380000{n:04d}") for n in range(12)]


def log_in(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(response) -> bool:
    return response.status_code == 302


def test_an_account_is_locked_after_failures_from_many_addresses(client, residents, settings):
    victim, other = residents[0], residents[1]
    # given: wrong passwords for one account, each from a different address
    for n in range(settings.AXES_FAILURE_LIMIT):
        assert not logged_in(log_in(client, victim.username, "wrong", f"198.51.100.{n + 1}"))
    # when / then: even the right password from a fresh address is refused
    locked = log_in(client, victim.username, PASSWORD, "198.51.100.200")
    assert locked.status_code == 429
    # and another account at one of those addresses is not affected
    assert logged_in(log_in(client, other.username, PASSWORD, "198.51.100.1"))


def test_an_address_is_locked_after_failures_on_many_accounts(client, residents, settings):
    settings.KUNSHAN_ADDRESS_FAILURE_LIMIT = 10
    address = "203.0.113.7"
    # given: one wrong password on each of ten accounts from one address (no account reaches its limit)
    for user in residents[:10]:
        assert not logged_in(log_in(client, user.username, "wrong", address))
    # when / then: an eleventh account cannot log in from that address, even with its password
    assert log_in(client, residents[10].username, PASSWORD, address).status_code == 429
    # but it can from elsewhere
    assert logged_in(log_in(client, residents[10].username, PASSWORD, "203.0.113.8"))


def test_a_shared_factory_address_tolerates_ordinary_typos(client, residents, settings):
    # given: the default address bar is far above the account bar
    assert settings.KUNSHAN_ADDRESS_FAILURE_LIMIT >= 10 * settings.AXES_FAILURE_LIMIT
    nat = "100.64.0.1"
    # when: a dozen workers behind one address each mistype their password a few times
    for user in residents:
        for _ in range(settings.AXES_FAILURE_LIMIT - 2):
            log_in(client, user.username, "wrong", nat)
    # then: every one of them still logs in from there
    for user in residents:
        client.logout()
        assert logged_in(log_in(client, user.username, PASSWORD, nat))


def test_a_successful_log_in_clears_only_that_accounts_failures(client, residents, settings):
    settings.KUNSHAN_ADDRESS_FAILURE_LIMIT = 6
    address = "192.0.2.50"
    attacker, targets = residents[0], residents[1:7]
    for user in targets[:5]:
        log_in(client, user.username, "wrong", address)
    # when: the attacker logs in to their own account from the same address
    assert logged_in(log_in(client, attacker.username, PASSWORD, address))
    client.logout()
    # then: the address's count was not wiped; one more failure locks the address
    log_in(client, targets[5].username, "wrong", address)
    assert log_in(client, attacker.username, PASSWORD, address).status_code == 429


def test_the_api_token_log_in_is_locked_too(client, residents, settings):
    user = residents[0]
    url = reverse("residents-token")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"phone": user.username, "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{n + 1}")
    refused = client.post(
        url,
        {"phone": user.username, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.99",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 429
    body = refused.json()
    assert body["errors"] == {} and "Too many failed log-ins" in body["detail"]
    assert "token" not in body


def test_lock_out_log_lines_do_not_name_the_account(client, residents, caplog):
    user = residents[0]
    with caplog.at_level(logging.INFO, logger="axes"):
        log_in(client, user.username, "wrong", "198.51.100.1")
    text = " ".join(record.getMessage() for record in caplog.records)
    assert "198.51.100.1" in text
    assert user.username not in text


def test_a_forwarded_header_is_ignored_without_a_proxy(client, residents, settings):
    user = residents[0]
    # given: the same real address pretends to be many others
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": f"1390000{n:04d}", "password": "wrong"},
            REMOTE_ADDR="198.51.100.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    settings.KUNSHAN_ADDRESS_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT
    # then: the failures were counted against the real address
    assert log_in(client, user.username, PASSWORD, "198.51.100.9").status_code == 429
