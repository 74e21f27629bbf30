"""Test data builders. Each goes through the same actions the product uses."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

from sellerdesk.catalog.actions import create_sku
from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import ApiToken, User, hash_token
from sellerdesk.inventory.actions import set_on_hand
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order

_numbers = count(1)


def make_user(username: str, role: str, display_name: str = "") -> User:
    return User.objects.create_user(username=username, password="pw-" + username, role=role, display_name=display_name)


def make_token(user: User) -> str:
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, key_hash=hash_token(raw), prefix=raw[:8])
    return raw


def make_sku(code: str | None = None, *, price: str = "59.00", stock: int = 100, **extra: object) -> Sku:
    code = code or f"SKU-{next(_numbers)}"
    sku = create_sku(
        actor=None,
        code=code,
        name=extra.pop("name", f"商品 {code}"),
        price=Decimal(price),  # type: ignore[arg-type]
        attributes=extra.pop("attributes", {}),
    )  # type: ignore[arg-type]
    if stock:
        set_on_hand(sku=sku, on_hand=stock, actor=None)
    return sku


def order_draft(*lines: tuple[str, int], **fields: object) -> order_actions.OrderDraft:
    defaults: dict[str, object] = {
        "buyer": order_actions.Buyer("张三", "13800138000", f"buyer{next(_numbers)}"),
        "address": order_actions.Address("浙江省", "杭州市", "西湖区", "文三路 90 号"),
        "lines": [order_actions.LineDraft(sku, quantity) for sku, quantity in lines],
    }
    defaults.update(fields)
    return order_actions.OrderDraft(**defaults)  # type: ignore[arg-type]


def place(*lines: tuple[str, int], actor: User | None = None, **fields: object) -> Order:
    return order_actions.place_order(draft=order_draft(*lines, **fields), actor=actor)
