"""A visitor reads the portal in Chinese, switches to English, and logs in to read a notice."""

from kunshan_portal.notices import notice_send


def test_visitor_reads_the_portal_in_chinese_and_english(page, shoot, axe_check):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text() == "昆山是我家"
    axe_check(page)
    shoot(page, "home-zh")
    page.select_option("#language-select", "en")
    page.click(".lang-switch button")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Kunshan is my home"
    shoot(page, "home-en")
    page.goto("/accounts/login/")
    axe_check(page)
    shoot(page, "login-en")


def test_resident_logs_in_and_reads_a_notice(page, shoot, axe_check, login, resident_user):
    notice_send(recipient=resident_user, subject="欢迎", body="您的注册已收到。", channels=())
    login(page, resident_user.username)
    assert page.locator(".badge").inner_text() == "1"
    page.goto("/notices/")
    assert "您的注册已收到。" in page.content()
    axe_check(page)
    shoot(page, "notices")
    page.click("text=标为已读")
    page.wait_for_load_state("networkidle")
    assert page.locator(".badge").count() == 0
