"""Buyer groups: create, rename, delete, members added and removed, each audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from sellerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from sellerdesk.customers import groups
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerGroup
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def customer(name: str) -> Customer:
    return Customer.objects.create(shop=Shop.objects.get(code="main"), identity=name, nickname=name, name=name)


def events() -> list[tuple[str, str, dict[str, Any]]]:
    return [(event.customer.name, event.type, event.data) for event in CustomerEvent.objects.order_by("pk")]


def test_a_group_lives_and_its_members_are_audited() -> None:
    owner = make_user("owner", "owner")
    a, b = customer("a"), customer("b")
    group = groups.create_group(actor=owner, name=" 老客群 ", description="微信群")
    assert (group.name, group.description) == ("老客群", "微信群")
    assert groups.add_members(actor=owner, group=group, customers=[a, b.pk]) == 2
    assert groups.add_members(actor=owner, group=group, customers=[a]) == 0  # already in
    assert groups.remove_members(actor=owner, group=group, customers=[b, customer("c")]) == 1
    group = groups.update_group(actor=owner, group=group, name="VIP 群")
    assert list(groups.group_members(group=group, actor=owner)) == [a]
    assert groups.delete_group(actor=owner, group=group) == 1
    assert CustomerGroup.objects.count() == 0
    assert events() == [
        ("a", "group_joined", {"group": "老客群"}),
        ("b", "group_joined", {"group": "老客群"}),
        ("b", "group_left", {"group": "老客群"}),
        ("a", "group_left", {"group": "VIP 群"}),
    ]


def test_bad_input_writes_nothing() -> None:
    owner = make_user("owner", "owner")
    group = groups.create_group(actor=owner, name="群")
    with pytest.raises(Conflict):
        groups.create_group(actor=owner, name="群")
    with pytest.raises(ValidationFailed) as error:
        groups.create_group(actor=owner, name=" ")
    assert list(error.value.fields) == ["name"]
    a = customer("a")
    with pytest.raises(ValidationFailed) as error:
        groups.add_members(actor=owner, group=group, customers=[a.pk, 99999])
    assert error.value.fields == {"customers": "no customer 99999"}
    assert group.members.count() == 0 and CustomerEvent.objects.count() == 0
    other = groups.create_group(actor=owner, name="二群")
    with pytest.raises(Conflict):
        groups.update_group(actor=owner, group=other, name="群")
    with pytest.raises(PermissionDenied):
        groups.add_members(actor=make_user("agent", "agent"), group=group, customers=[a])
    assert CustomerGroup.objects.get(pk=other.pk).name == "二群"
