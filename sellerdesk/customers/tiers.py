"""Customer tiers (会员等级) that move customers up by thresholds, and the manual override.

A level with thresholds (`min_spent`, `min_orders`) is reached by a customer who spent at
least `min_spent` OR placed at least `min_orders` orders. `promote` moves every customer up
to the best level they reach — never down (a level is earned), never a customer whose level
was set by hand (`level_locked`), never a duplicate merged away. `set_level` is the manual
override: a level and the reason for it, locked against the automatic move by default.
Both write a `level_changed` CustomerEvent: {"before", "after", "reason", "automatic"}.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.audit import record as record_audit
from sellerdesk.core.audit import register_audit_code
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerEventType, CustomerLevel

MAX_REASON_LENGTH = Customer._meta.get_field("level_reason").max_length or 200
MAX_MIN_SPENT = Decimal("999999999999.99")
# The events of one promotion are written in batches of this size.
EVENT_BATCH = 1000

LEVEL = "customer_level"
THRESHOLDS_CHANGED = "level_thresholds_changed"
register_audit_code(
    THRESHOLDS_CHANGED,
    LEVEL,
    gettext_lazy("Level thresholds changed: spent at least %(min_spent)s, orders at least %(min_orders)s."),
    format=lambda data: {
        "min_spent": data.get("after", {}).get("min_spent") or "—",
        "min_orders": data.get("after", {}).get("min_orders") or "—",
    },
    example={
        "before": {"min_spent": None, "min_orders": None},
        "after": {"min_spent": "500.00", "min_orders": 5},
    },
)


def reaches(level: CustomerLevel) -> Q:
    """The customers who reach `level`'s thresholds (and may hold it: its shop or any)."""
    reached = Q(pk__in=[])
    if level.min_spent is not None:
        reached |= Q(total_spent__gte=level.min_spent)
    if level.min_orders is not None:
        reached |= Q(order_count__gte=level.min_orders)
    if level.shop_id is not None:
        reached &= Q(shop_id=level.shop_id)
    return reached


def promote(*, now: datetime) -> int:
    """Move every customer up to the best level whose thresholds they reach; returns how
    many moved. Set-based: one read and one UPDATE per level with thresholds, best level
    first, so a customer reaching several takes the best at once. The rows are locked
    while read, and the UPDATE repeats the conditions, so a manual `set_level` meanwhile
    is never overwritten."""
    moved = 0
    levels = list(
        CustomerLevel.objects.filter(Q(min_spent__isnull=False) | Q(min_orders__isnull=False)).order_by("-rank", "pk")
    )
    for level in levels:
        movable = (
            reaches(level)
            & Q(level_locked=False, merged_into__isnull=True)
            & (Q(level__isnull=True) | Q(level__rank__lt=level.rank))
        )
        with transaction.atomic():
            rows = list(
                Customer.objects.select_for_update(of=("self",))
                .filter(movable)
                .order_by("pk")
                .values_list("pk", "level__code")
            )
            if not rows:
                continue
            ids = [pk for pk, _code in rows]
            for start in range(0, len(ids), EVENT_BATCH):  # bounded IN lists (SQLite's variable limit)
                Customer.objects.filter(pk__in=ids[start : start + EVENT_BATCH]).update(level=level, level_reason="")
            CustomerEvent.objects.bulk_create(
                [
                    CustomerEvent(
                        customer_id=pk,
                        type=CustomerEventType.LEVEL_CHANGED,
                        at=now,
                        actor=None,
                        data={"before": before, "after": level.code, "reason": "", "automatic": True},
                    )
                    for pk, before in rows
                ],
                batch_size=EVENT_BATCH,
            )
            moved += len(rows)
    return moved


def set_level(
    *, customer: Customer, level: CustomerLevel | None, actor: User | None, reason: str, lock: bool = True
) -> Customer:
    """Give `customer` this level (None: none) by hand, with the reason why. With `lock`
    the automatic tiers leave it there; without, `promote` may still move it up later.

    A missing reason or a level of another shop is a ValidationFailed naming the field;
    a call that changes nothing writes nothing."""
    require(actor, "customers.edit")
    reason = reason.strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("say why this customer gets this level")
    elif len(reason) > MAX_REASON_LENGTH:
        errors["reason"] = _("at most %(count)d characters") % {"count": MAX_REASON_LENGTH}
    if level is not None and level.shop_id not in (None, customer.shop_id):
        errors["level"] = _("this level belongs to another shop")
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        customer = Customer.objects.select_related("level").select_for_update(of=("self",)).get(pk=customer.pk)
        before = customer.level
        if (customer.level_id, customer.level_locked, customer.level_reason) == (
            level.pk if level else None,
            lock,
            reason,
        ):
            return customer
        customer.level = level
        customer.level_locked = lock
        customer.level_reason = reason
        customer.save(update_fields=["level", "level_locked", "level_reason"])
        CustomerEvent.objects.create(
            customer=customer,
            type=CustomerEventType.LEVEL_CHANGED,
            actor=actor,
            at=timezone.now(),
            data={
                "before": before.code if before else None,
                "after": level.code if level else None,
                "reason": reason,
                "automatic": False,
            },
        )
    return customer


def set_thresholds(
    *, level: CustomerLevel, actor: User | None, min_spent: Decimal | None, min_orders: int | None
) -> CustomerLevel:
    """Change the thresholds that move customers up to `level` (None: not by this
    measure; both None: by hand only). Audited (level_thresholds_changed); customers move
    at the next `promote`, never down when a threshold rises."""
    require(actor, "customers.edit")
    errors: dict[str, str] = {}
    if min_spent is not None and (
        not min_spent.is_finite()
        or min_spent < 0
        or min_spent > MAX_MIN_SPENT
        or min_spent != min_spent.quantize(Decimal("0.01"))
    ):
        errors["min_spent"] = _("must be an amount from 0.00 with at most 2 decimal places")
    if min_orders is not None and (isinstance(min_orders, bool) or not 0 <= min_orders <= 2_147_483_647):
        errors["min_orders"] = _("must be a whole number from 0")
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        level = CustomerLevel.objects.select_for_update().get(pk=level.pk)

        def shown(spent: Decimal | None, orders: int | None) -> dict[str, object]:
            return {"min_spent": None if spent is None else f"{spent:.2f}", "min_orders": orders}

        before = shown(level.min_spent, level.min_orders)
        after = shown(min_spent, min_orders)
        if before == after:
            return level
        level.min_spent, level.min_orders = min_spent, min_orders
        level.save(update_fields=["min_spent", "min_orders"])
        record_audit(
            object_kind=LEVEL,
            object_id=level.pk,
            code=THRESHOLDS_CHANGED,
            actor=actor,
            at=timezone.now(),
            before=before,
            after=after,
        )
    return level


def level_by_code(*, shop_id: int, code: str) -> CustomerLevel | None:
    """The level `code` a customer of this shop may hold: the shop's own level wins over a
    global one with the same code; None when there is neither."""
    found = [level for level in CustomerLevel.objects.filter(code=code) if level.shop_id in (None, shop_id)]
    return min(found, key=lambda level: level.shop_id is None, default=None)
