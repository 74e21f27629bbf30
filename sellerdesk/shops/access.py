"""Which shops a staff user (and the API token they act with) may see.

A user with no ShopAccess row sees every shop, as before shop limits existed; with rows,
only those shops. An API token limited to shops narrows that further: TokenAuth puts the
token's shops on the user it authenticates as `token_shop_ids`. Queries apply the limit
with `limit_to_visible_shops`; an order of another shop is then "not found" (404), never
"forbidden", so its number does not tell that it exists.

Applied to the orders (and payments and ratings through them), the search box,
after-sales, the parcel-problem desk, the outbox and the notifications' templates, rules
and webhooks, reminders, the service desk, marketplace files, the dashboards and
customers; docs/security.md ("Where the shop limit applies") lists them, the warehouse
floor's decision, and where it is not yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.audit import record, register_audit_code
from sellerdesk.core.errors import NotFound
from sellerdesk.core.permissions import require
from sellerdesk.shops.models import Shop, ShopAccess

if TYPE_CHECKING:
    from sellerdesk.core.models import User

ModelT = TypeVar("ModelT", bound=models.Model)


def visible_shop_ids(actor: User | None) -> frozenset[int] | None:
    """The ids of the shops `actor` may see, or None for every shop (the system, a user
    without shop limits acting without a limited token). May be empty: sees nothing."""
    if actor is None:
        return None
    user_shop_ids = frozenset(ShopAccess.objects.filter(user_id=actor.pk).values_list("shop_id", flat=True))
    return _combined(actor, user_shop_ids)


def _combined(actor: User, user_shop_ids: frozenset[int]) -> frozenset[int] | None:
    """The user's own limit (no rows: none) narrowed by their token's."""
    token_shop_ids: frozenset[int] | None = getattr(actor, "token_shop_ids", None)
    if not user_shop_ids:
        return token_shop_ids
    if token_shop_ids is None:
        return user_shop_ids
    return user_shop_ids & token_shop_ids


def visible_shops(actor: User | None) -> tuple[list[Shop], frozenset[int] | None]:
    """The shops `actor` may see, by name (what a page offers to choose among), and the
    limit as `visible_shop_ids` gives it — both from ONE query (the dashboards count
    theirs)."""
    if actor is None:
        return list(Shop.objects.order_by("name", "pk")), None
    granted = ShopAccess.objects.filter(user_id=actor.pk, shop_id=models.OuterRef("pk"))
    annotated = list(Shop.objects.annotate(granted=models.Exists(granted)).order_by("name", "pk"))
    limit = _combined(actor, frozenset(shop.pk for shop in annotated if shop.granted))
    every: list[Shop] = list(annotated)
    if limit is None:
        return every, None
    return [shop for shop in every if shop.pk in limit], limit


def visible_shop(actor: User | None, code: str = "") -> Shop | None:
    """The shop a page or a request is about, among those `actor` may see: the one with
    `code`; without a code, the default shop, else the first by name. None when there is
    none, or `actor` may not see it (to them another shop's code is an unknown one)."""
    shops, _limit = visible_shops(actor)
    if code:
        return next((shop for shop in shops if shop.code == code), None)
    return next((shop for shop in shops if shop.is_default), None) or (shops[0] if shops else None)


def require_visible_shop(actor: User | None, shop: Shop | None) -> None:
    """Refuse, as not found, a change to the settings of a shop `actor` may not see; None
    (settings of every shop) is refused to a user or token limited to shops."""
    limit = visible_shop_ids(actor)
    if limit is None:
        return
    if shop is None:
        raise NotFound(_("Only a user who sees every shop may change what applies to every shop."))
    if shop.pk not in limit:
        raise NotFound(_("No shop %(code)s.") % {"code": shop.code})


def limit_to_visible_shops(
    queryset: models.QuerySet[ModelT], actor: User | None, *, shop_field: str = "shop_id"
) -> models.QuerySet[ModelT]:
    """`queryset` narrowed to the rows of shops `actor` may see (unchanged without a limit)."""
    shop_ids = visible_shop_ids(actor)
    if shop_ids is None:
        return queryset
    return queryset.filter(**{f"{shop_field}__in": shop_ids})


def shop_limit_q(actor: User | None, *, shop_field: str = "shop_id") -> models.Q:
    """The shop limit of `actor` as a condition (what `limit_to_visible_shops` filters
    on), asking no query of its own: the user's ShopAccess rows are read as a subquery
    of the statement it goes into (for a count that must stay one query)."""
    if actor is None:
        return models.Q()
    rows = ShopAccess.objects.filter(user_id=actor.pk)
    condition = ~models.Exists(rows) | models.Q(**{f"{shop_field}__in": rows.values("shop_id")})
    token_shop_ids: frozenset[int] | None = getattr(actor, "token_shop_ids", None)
    if token_shop_ids is not None:
        condition &= models.Q(**{f"{shop_field}__in": sorted(token_shop_ids)})
    return condition


def shops_of(user: User) -> list[Shop]:
    """The shops `user` is limited to (empty: every shop)."""
    return list(Shop.objects.filter(pk__in=ShopAccess.objects.filter(user_id=user.pk).values("shop_id")))


def set_user_shops(*, user: User, shops: Iterable[Shop]) -> list[Shop]:
    """Limit `user` to exactly `shops` (an empty list: no limit, every shop). Returns the
    shops before the change, for the caller's audit event."""
    wanted = {shop.pk: shop for shop in shops}
    with transaction.atomic():
        before = shops_of(user)
        ShopAccess.objects.filter(user_id=user.pk).exclude(shop_id__in=wanted).delete()
        have = set(ShopAccess.objects.filter(user_id=user.pk).values_list("shop_id", flat=True))
        ShopAccess.objects.bulk_create(
            [ShopAccess(user_id=user.pk, shop_id=shop_id) for shop_id in sorted(wanted) if shop_id not in have]
        )
    return before


STAFF_SHOPS_CHANGED = "staff_shops_changed"
register_audit_code(
    STAFF_SHOPS_CHANGED,
    "staff",
    gettext_lazy("Shops changed to: %(shops)s."),
    format=lambda data: {"shops": ", ".join(data.get("after", [])) or _("every shop")},
    example={"before": [], "after": ["main"]},
)


def set_staff_shops(*, actor: User, user: User, shops: Iterable[Shop]) -> None:
    """The owner limits a staff user to `shops` (none: every shop), with an audit event."""
    require(actor, "staff.manage")
    wanted = sorted(shops, key=lambda shop: shop.pk)
    with transaction.atomic():
        before = set_user_shops(user=user, shops=wanted)
        codes_before = sorted(shop.code for shop in before)
        codes_after = sorted(shop.code for shop in wanted)
        if codes_before != codes_after:
            record(
                object_kind="staff",
                object_id=user.username,
                code=STAFF_SHOPS_CHANGED,
                actor=actor,
                at=timezone.now(),
                before=codes_before,
                after=codes_after,
            )
