"""Changing how a shop's orders are reviewed: which rules run, their thresholds, the
hold buffer and merging. Every change is validated whole and written at once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.audit import changes_of
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.orders.hooks import ALLOCATION_STRATEGIES, ALLOCATION_STRATEGY_LABEL
from sellerdesk.orders.review.audit import allocation_settings_changed_event, review_settings_changed_event
from sellerdesk.orders.review.rules import RULES
from sellerdesk.shops.models import ReviewSettings, Shop, review_settings_for

MAX_HOLD_BUFFER_MINUTES = 7 * 24 * 60
MAX_MERGE_WINDOW_HOURS = 30 * 24


@dataclass(frozen=True)
class RuleState:
    code: str
    label: str
    enabled: bool


def settings_of(*, shop: Shop, actor: User | None) -> ReviewSettings:
    require(actor, "orders.view")
    return review_settings_for([shop.pk])[shop.pk]


def rule_states(settings: ReviewSettings) -> list[RuleState]:
    return [RuleState(code, str(rule.label), settings.is_enabled(code)) for code, rule in RULES.items()]


@transaction.atomic
def update_review_settings(*, shop: Shop, actor: User | None, changes: dict[str, Any]) -> ReviewSettings:
    """Apply `changes` (any of: enabled_rules, hold_buffer_minutes, auto_approve,
    max_order_total, max_total_quantity, cod_orders_per_day_new_buyer,
    merge_automatically, merge_window_hours). Unknown rule codes or out-of-range values
    are a ValidationFailed naming each bad field; nothing is written then."""
    require(actor, "review.configure")
    settings = review_settings_for([shop.pk])[shop.pk]
    settings = ReviewSettings.objects.select_for_update().get(pk=settings.pk)
    before = {name: getattr(settings, name) for name in _AUDITED}
    bad: dict[str, str] = {}
    if "enabled_rules" in changes:
        enabled = list(changes["enabled_rules"])
        unknown = sorted(set(enabled) - set(RULES))
        if unknown:
            bad["enabled_rules"] = _("unknown rule(s): %(codes)s") % {"codes": ", ".join(unknown)}
        else:
            settings.disabled_rules = [code for code in RULES if code not in enabled]
    _bounded(changes, "hold_buffer_minutes", 0, MAX_HOLD_BUFFER_MINUTES, settings, bad)
    _bounded(changes, "max_total_quantity", 1, 1_000_000, settings, bad)
    _bounded(changes, "cod_orders_per_day_new_buyer", 0, 1000, settings, bad)
    _bounded(changes, "merge_window_hours", 1, MAX_MERGE_WINDOW_HOURS, settings, bad)
    if "max_order_total" in changes:
        total = Decimal(changes["max_order_total"])
        if not total.is_finite() or total <= 0 or total >= Decimal("1e12") or total != total.quantize(Decimal("0.01")):
            bad["max_order_total"] = _("a positive amount with at most 2 decimals")
        else:
            settings.max_order_total = total
    for flag in ("auto_approve", "merge_automatically"):
        if flag in changes:
            setattr(settings, flag, bool(changes[flag]))
    if bad:
        raise ValidationFailed(bad)
    settings.save()
    changes = changes_of(before, {name: getattr(settings, name) for name in _AUDITED})
    if changes:
        review_settings_changed_event(shop, changes=changes, actor=actor, at=timezone.now())
    return settings


# The review settings a change is audited for (core.audit), each with its before and after.
_AUDITED = (
    "disabled_rules",
    "hold_buffer_minutes",
    "auto_approve",
    "max_order_total",
    "max_total_quantity",
    "cod_orders_per_day_new_buyer",
    "merge_automatically",
    "merge_window_hours",
)


def _bounded(
    changes: dict[str, Any], name: str, low: int, high: int, settings: ReviewSettings, bad: dict[str, str]
) -> None:
    if name not in changes:
        return
    value = changes[name]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        bad[name] = _("a whole number from %(low)s to %(high)s") % {"low": low, "high": high}
    else:
        setattr(settings, name, value)


@dataclass(frozen=True)
class AllocationSettings:
    strategy: str
    is_b2b: bool
    strategies: list[str]

    @property
    def choices(self) -> list[tuple[str, str]]:
        """Each strategy with its name for people (the settings page's options)."""
        label = ALLOCATION_STRATEGY_LABEL.get()
        return [(name, label(name)) for name in self.strategies]


def allocation_settings_of(*, shop: Shop, actor: User | None) -> AllocationSettings:
    require(actor, "orders.view")
    return AllocationSettings(shop.allocation_strategy, shop.is_b2b, ALLOCATION_STRATEGIES.get()())


@transaction.atomic
def update_allocation_settings(
    *, shop: Shop, actor: User | None, strategy: str | None = None, is_b2b: bool | None = None
) -> AllocationSettings:
    """How the shop's approved orders pick a warehouse (a registered strategy), and whether
    short stock goes to customers by rank (B2B) rather than first come, first served."""
    require(actor, "warehouses.edit")
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    before = {"allocation_strategy": shop.allocation_strategy, "is_b2b": shop.is_b2b}
    if strategy is not None:
        if strategy not in ALLOCATION_STRATEGIES.get()():
            raise ValidationFailed(
                {"strategy": _("one of %(names)s") % {"names": ", ".join(ALLOCATION_STRATEGIES.get()())}}
            )
        shop.allocation_strategy = strategy
    if is_b2b is not None:
        shop.is_b2b = is_b2b
    shop.save(update_fields=["allocation_strategy", "is_b2b"])
    changes = changes_of(before, {"allocation_strategy": shop.allocation_strategy, "is_b2b": shop.is_b2b})
    if changes:
        allocation_settings_changed_event(shop, changes=changes, actor=actor, at=timezone.now())
    return AllocationSettings(shop.allocation_strategy, shop.is_b2b, ALLOCATION_STRATEGIES.get()())
