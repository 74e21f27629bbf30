"""The owner's Staff page and everyone's API tokens page (issue 17 A3, A4), and the
warehouse floor's own permissions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings

from sellerdesk.core.audit import history
from sellerdesk.core.errors import PermissionDenied
from sellerdesk.core.models import ApiToken, TokenScope, User
from sellerdesk.core.permissions import PERMISSIONS, Role
from sellerdesk.fulfilment import actions as fulfilment_actions
from sellerdesk.fulfilment import packing, shipping
from sellerdesk.shops.access import shops_of
from sellerdesk.shops.models import Shop, default_shop
from tests.conftest import ApiClient
from tests.factories import make_user

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def owner_client(owner: User) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def test_only_the_owner_opens_the_staff_page(owner_client: Client, agent: User) -> None:
    """Issue 17 A4: staff are managed by the owner in the staff UI."""
    assert owner_client.get("/staff/", **EN).status_code == 200
    client = Client()
    client.force_login(agent)
    assert client.get("/staff/").status_code == 403
    assert client.post("/staff/", {"do": "invite", "username": "x", "role": "owner"}).status_code == 403
    assert not User.objects.filter(username="x").exists()


def test_the_owner_invites_a_staff_member_who_logs_in_with_the_password_shown_once(owner_client: Client) -> None:
    """Issue 17 A4: invite with an initial password shown once."""
    response = owner_client.post(
        "/staff/", {"do": "invite", "username": "xiaoli", "display_name": "小李", "role": "warehouse"}, **EN
    )

    assert response.status_code == 200
    page = response.content.decode()
    password = re.search(r'id="invited-password">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    user = User.objects.get(username="xiaoli")
    assert (user.role, user.display_name, user.is_active) == (Role.WAREHOUSE, "小李", True)
    assert password not in owner_client.get("/staff/").content.decode()
    assert Client().login(username="xiaoli", password=password)
    assert [entry.code for entry in history("staff", ["xiaoli"])] == ["staff_invited"]


def test_an_invite_with_a_taken_username_is_refused(owner_client: Client, agent: User) -> None:
    response = owner_client.post("/staff/", {"do": "invite", "username": "AGENT", "role": "agent"}, **EN)

    assert response.status_code == 422
    assert "This username is taken." in response.content.decode()
    assert User.objects.filter(username__iexact="agent").count() == 1


def test_the_owner_deactivates_and_reactivates_a_staff_member(owner_client: Client, agent: User) -> None:
    """Issue 17 A4: a deactivated user can no longer log in nor use their tokens."""
    token = ApiClient(_raw_token(agent))
    assert token.get("/api/v1/orders").status_code == 200

    assert owner_client.post("/staff/", {"do": "deactivate", "user": agent.pk}).status_code == 302

    agent.refresh_from_db()
    assert agent.is_active is False
    assert not Client().login(username="agent", password="pw-agent")
    assert token.get("/api/v1/orders").status_code == 401

    owner_client.post("/staff/", {"do": "reactivate", "user": agent.pk})
    assert Client().login(username="agent", password="pw-agent")
    assert [entry.code for entry in history("staff", ["agent"])] == ["staff_deactivated", "staff_reactivated"]


def test_the_owner_cannot_deactivate_or_demote_themselves(owner_client: Client, owner: User) -> None:
    owner_client.post("/staff/", {"do": "deactivate", "user": owner.pk})
    owner_client.post("/staff/", {"do": "role", "user": owner.pk, "role": "agent"})

    owner.refresh_from_db()
    assert (owner.is_active, owner.role) == (True, Role.OWNER)


def test_the_owner_changes_a_role_and_the_shops(owner_client: Client, agent: User) -> None:
    """Issue 17 A4: assign roles and shops."""
    other = Shop.objects.create(code="jd", name="京东店")
    default_shop()

    owner_client.post("/staff/", {"do": "role", "user": agent.pk, "role": "supervisor"})
    owner_client.post("/staff/", {"do": "shops", "user": agent.pk, "shops": [other.pk]})

    agent.refresh_from_db()
    assert agent.role == Role.SUPERVISOR
    assert shops_of(agent) == [other]
    # A buyer or supplier role is not given from this page.
    owner_client.post("/staff/", {"do": "role", "user": agent.pk, "role": "supplier"})
    agent.refresh_from_db()
    assert agent.role == Role.SUPERVISOR

    owner_client.post("/staff/", {"do": "shops", "user": agent.pk})
    assert shops_of(agent) == []


@override_settings(AXES_FAILURE_LIMIT=2)
def test_the_owner_sees_and_unlocks_a_locked_out_login(owner_client: Client, agent: User) -> None:
    """Issue 17 A3: unlocked by an owner in the staff UI; failures shown to the owner."""
    for _ in range(2):
        Client(REMOTE_ADDR="10.1.1.1").post("/login/", {"username": "agent", "password": "wrong"})
    assert (
        Client(REMOTE_ADDR="10.1.1.1").post("/login/", {"username": "agent", "password": "pw-agent"}).status_code == 429
    )

    page = owner_client.get("/staff/", **EN).content.decode()
    assert "10.1.1.1" in page
    assert "Unlock" in page

    owner_client.post("/staff/", {"do": "unlock", "username": "agent"})

    assert AccessAttempt.objects.count() == 0
    assert (
        Client(REMOTE_ADDR="10.1.1.1").post("/login/", {"username": "agent", "password": "pw-agent"}).status_code == 302
    )
    assert [entry.code for entry in history("staff", ["agent"])] == ["staff_login_unlocked"]


def _raw_token(user: User) -> str:
    from sellerdesk.core.tokens import create_token

    return create_token(user=user).raw


def test_a_staff_user_makes_a_token_on_the_tokens_page_shown_once_and_revokes_it(agent: User) -> None:
    """Issue 17 A3: tokens are created (raw value shown once) and revoked by their owner in the staff UI."""
    client = Client()
    client.force_login(agent)
    response = client.post(
        "/staff/tokens/", {"do": "create", "name": "ERP", "scope": "read_only", "expires_days": "30"}, **EN
    )

    assert response.status_code == 200
    raw = re.search(r'id="new-token-value">([^<]+)<', response.content.decode()).group(1)  # type: ignore[union-attr]
    token = ApiToken.objects.get(user=agent)
    assert (token.name, token.scope, token.prefix) == ("ERP", TokenScope.READ_ONLY, raw[:8])
    assert response["Cache-Control"] == "no-store"
    again = client.get("/staff/tokens/", **EN).content.decode()
    assert raw not in again
    assert token.prefix in again
    assert ApiClient(raw).get("/api/v1/orders").status_code == 200

    client.post("/staff/tokens/", {"do": "revoke", "token": token.pk})

    assert ApiClient(raw).get("/api/v1/orders").status_code == 401


def test_nobody_revokes_another_users_token_from_the_tokens_page(agent: User, owner: User) -> None:
    raw = _raw_token(owner)
    token = ApiToken.objects.get(user=owner)
    client = Client()
    client.force_login(agent)

    assert client.post("/staff/tokens/", {"do": "revoke", "token": token.pk}).status_code == 404
    assert ApiClient(raw).get("/api/v1/orders").status_code == 200


def test_the_menu_links_the_staff_and_token_pages(owner_client: Client, agent: User) -> None:
    page = owner_client.get("/orders/", **EN).content.decode()
    assert 'href="/staff/"' in page
    assert 'href="/staff/tokens/"' in page
    client = Client()
    client.force_login(agent)
    page = client.get("/orders/", **EN).content.decode()
    assert 'href="/staff/"' not in page
    assert 'href="/staff/tokens/"' in page


# --- the warehouse floor's own permissions -------------------------------------------------


@pytest.mark.parametrize(
    ("call", "permission"),
    [
        (lambda actor: fulfilment_actions.create_wave(warehouse=None, rules=None, actor=actor), "warehouse.pick"),
        (lambda actor: fulfilment_actions.pick_order(order=None, actor=actor), "warehouse.pick"),
        (lambda actor: packing.scan_item(order=None, code="X", actor=actor), "warehouse.pack"),
        (lambda actor: packing.record_weight(order=None, grams=1, actor=actor), "warehouse.pack"),
        (lambda actor: shipping.scan_out(tracking_number="SF1", actor=actor), "warehouse.dispatch"),
    ],
)
def test_warehouse_floor_actions_check_their_own_permission(db: Any, call: Any, permission: str) -> None:
    """Issue 17 A4: warehouse actions have their own permissions instead of "orders.ship"."""
    purchaser = make_user("buyer1", "purchaser")

    with pytest.raises(PermissionDenied) as refused:
        call(purchaser)

    assert refused.value.details == {"permission": permission}


def test_warehouse_permissions_keep_the_roles_that_shipping_had() -> None:
    for permission in ("warehouse.pick", "warehouse.pack", "warehouse.dispatch"):
        assert PERMISSIONS[permission] == PERMISSIONS["orders.ship"]


def test_an_invited_user_changes_the_initial_password(owner_client: Client) -> None:
    """Issue 17 A4: the invited user replaces the password shown once by their own."""
    page = owner_client.post("/staff/", {"do": "invite", "username": "xiaozhao", "role": "agent"}).content.decode()
    initial = re.search(r'id="invited-password">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    client = Client()
    assert client.login(username="xiaozhao", password=initial)
    assert client.get("/password/").status_code == 200

    response = client.post(
        "/password/",
        {"old_password": initial, "new_password1": "my-own-pass-2026", "new_password2": "my-own-pass-2026"},
    )

    assert (response.status_code, response["Location"]) == (302, "/password/done/")
    assert client.get("/password/done/").status_code == 200
    assert Client().login(username="xiaozhao", password="my-own-pass-2026")
    assert not Client().login(username="xiaozhao", password=initial)
