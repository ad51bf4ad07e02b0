import re

import pytest
from django.template.loader import get_template
from django.test.utils import override_script_prefix
from django.urls import reverse
from django.utils import translation

from kunshan_portal import roles
from kunshan_portal.models import Notice, User
from tests.employment.factories import make_hr
from tests.factories import make_resident


def test_home_is_chinese_by_default_and_says_what_the_portal_offers(client, db):
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-Hans">' in page
    assert "新昆山人服务平台" in page and "法律援助" in page


def test_english_on_request(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in page and "Legal aid" in page


def test_login_and_logout(client, resident_user):
    response = client.post(reverse("login"), {"username": "13800000001", "password": "Kunshan-2026!"})
    assert response.status_code == 302 and response["Location"] == reverse("after-login")
    assert client.get(reverse("notice-list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("notice-list")).status_code == 302


def test_login_form_fields_are_labelled(client, db):
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in page and '<label for="id_password">' in page


def test_repeated_failures_lock_the_account_out(client, resident_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "13800000001", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "13800000001", "password": "Kunshan-2026!"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_password_reset_sends_a_link(client, resident_user, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "a@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "/accounts/reset/" in mailoutbox[0].body


@pytest.mark.parametrize("path", ["/static/css/portal.css"])
def test_assets_are_served_by_us(client, path):
    from django.contrib.staticfiles import finders

    assert finders.find(path.removeprefix("/static/"))


@pytest.mark.parametrize(
    ("accept", "lang"), [("", "zh-Hans"), ("fr-FR,fr;q=0.9", "zh-Hans"), ("en-US,en;q=0.9", "en")]
)
def test_chinese_unless_the_browser_asks_for_english(client, db, accept, lang):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert f'<html lang="{lang}">' in page


def test_an_account_in_english_sees_english_and_switching_is_remembered(client, make_user):
    user = make_user("13800000007", language="en")
    client.force_login(user)
    assert '<html lang="en">' in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert '<html lang="zh-Hans">' in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("role", "landing"),
    [("caseworker_housing", "/admin/"), ("official", "/dashboard/"), ("employer", "/")],
)
def test_each_role_lands_where_its_work_is(client, make_user, role, landing):
    client.force_login(make_user("someone", role))
    assert client.get(reverse("after-login"))["Location"] == landing


def test_a_resident_lands_on_their_page(client, db):
    from tests.factories import make_resident

    resident = make_resident()
    client.force_login(resident.user)
    assert client.get(reverse("after-login"))["Location"] == reverse("residents:me")


def test_the_header_links_each_account_to_its_own_areas(client, db):
    from tests.employment.factories import make_hr
    from tests.factories import make_resident

    resident = make_resident()
    _employer, hr = make_hr()
    me, dormitories = reverse("residents:me"), reverse("housing:employer-dormitories")

    client.force_login(resident.user)
    header = client.get(reverse("notice-list")).content.decode()
    assert f'href="{me}"' in header and f'href="{dormitories}"' not in header

    client.force_login(hr)
    header = client.get(reverse("notice-list")).content.decode()
    assert f'href="{me}"' not in header and f'href="{dormitories}"' in header


def test_the_header_links_follow_the_address_the_portal_is_served_under(client, db):
    # The header's addresses are kept once reversed: a portal served under a prefix must not get them bare.
    def header():
        page = client.get(reverse("notice-list")).content.decode()
        return page[page.index("<header") : page.index("</header>")]

    client.force_login(make_resident().user)
    bare = header()
    with override_script_prefix("/portal/"):
        under_a_prefix = header()
    bare_again = header()

    assert 'href="/employment/jobs/"' in bare and 'href="/notices/"' in bare
    assert 'href="/portal/employment/jobs/"' in under_a_prefix and 'href="/portal/notices/"' in under_a_prefix
    assert 'href="/employment/jobs/"' in bare_again and "/portal/" not in bare_again


def test_every_table_that_scrolls_sideways_is_reached_and_named_by_keyboard():
    """On a phone a wide table scrolls inside its box: keyboard users must be able to reach the box (tabindex)
    and hear what it holds (a named region), whatever the page."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    boxes = [
        (path.relative_to(root), tag)
        for path in [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]
        if ".venv" not in path.parts
        for tag in re.findall(r'<div class="table-scroll"[^>]*>', path.read_text())
    ]
    assert len(boxes) > 20
    unnamed = [
        (str(path), tag)
        for path, tag in boxes
        if not re.search(r'tabindex="0" role="region" aria-label', tag)
    ]
    assert unnamed == []


def test_a_residents_family_table_is_named_in_their_language(client, db):
    from tests.factories import make_child, make_resident

    resident = make_resident()
    make_child(resident)
    client.force_login(resident.user)
    page = client.get(reverse("residents:me"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'tabindex="0" role="region" aria-label="我的家庭"' in page


# --- The page header, drawn once per kind of visitor ------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("who", ["anonymous", "resident", "employer", "official", "caseworker"])
def test_the_header_is_the_one_its_template_draws_for_the_visitor(client, make_user, who, language):
    # given: each kind of visitor, a resident with unread notices
    user = None
    if who == "resident":
        user = make_resident().user
        for subject in ("One", "Two"):
            Notice.objects.create(recipient=user, subject=subject, body="…")
    elif who == "employer":
        user = make_hr()[1]
    elif who == "official":
        user = make_user("header-official", roles.OFFICIAL)
    elif who == "caseworker":
        user = make_user("header-caseworker", roles.CASEWORKER_GROUPS["housing"])
    if user is not None:
        User.objects.filter(pk=user.pk).update(language=language)
        client.force_login(user)

    # when: a page whose address the language switch must carry back, escaped
    response = client.get(reverse("employment:job-list") + "?q=<b>&page=1", HTTP_ACCEPT_LANGUAGE=language)

    # then
    context = {name: response.context[name] for name in HEADER_CONTEXT}
    with translation.override(language):
        drawn = get_template("header.html").render(context)
    page = response.content.decode()
    assert response.status_code == 200 and drawn in page
    assert "q=%3Cb%3E&amp;page=1" in drawn and 'name="csrfmiddlewaretoken" value="' in drawn
    assert ('class="badge"' in drawn) == (who == "resident")


HEADER_CONTEXT = ("user", "perms", "is_resident", "is_employer", "unread_notices", "csrf_token", "request")


def test_a_page_drawn_without_a_request_has_the_header_of_an_anonymous_visitor(db):
    with translation.override("en"):
        page = get_template("404.html").render({})
    assert '<header class="site-header">' in page and "Log in" in page
    assert "csrfmiddlewaretoken" not in page  # no token to give without a request
