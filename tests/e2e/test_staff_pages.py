"""The owner's Staff page and the API tokens page in a browser (issue 17 A3, A4): logins
go through the real login form with throttling on; a wrong password first does not stop
the right one; the owner invites an agent, who logs in with the password shown once and
makes a read-only token."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from sellerdesk.core.models import ApiToken, TokenScope
from tests.factories import make_user


def _log_in(page: Any, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_load_state("load")


def test_owner_invites_an_agent_who_makes_a_token(browser_page: Any, live_server: Any) -> None:
    make_user("boss", "owner")
    page, url = browser_page, live_server.url

    _log_in(page, url, "boss", "wrong")
    expect(page.locator("#id_password")).to_be_visible()  # back on the login page
    _log_in(page, url, "boss", "pw-boss")
    expect(page).to_have_url(f"{url}/orders/")

    page.goto(f"{url}/staff/")
    page.fill("#id_username", "xiaowang")
    page.select_option("#id_role", "agent")
    page.click("button[name=do][value=invite]")
    page.wait_for_load_state("load")
    password = page.locator("#invited-password").inner_text().strip()
    expect(page.locator("#staff-xiaowang")).to_be_visible()

    page.context.clear_cookies()
    _log_in(page, url, "xiaowang", password)
    expect(page).to_have_url(f"{url}/orders/")
    page.goto(f"{url}/staff/tokens/")
    page.fill("#id_name", "ERP")
    page.select_option("#id_scope", "read_only")
    page.click("button[name=do][value=create]")
    page.wait_for_load_state("load")

    raw = page.locator("#new-token-value").inner_text().strip()
    token = ApiToken.objects.get(user__username="xiaowang")
    assert (token.prefix, token.scope) == (raw[:8], TokenScope.READ_ONLY)
