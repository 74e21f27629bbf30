"""Segments: stored, validated rules over customers, compiled to one query, counted live.

A rule set (`SegmentRules`) is JSON like

    {"spent": {"min": "500.00"}, "recency": {"not_within_days": 90}}

— "bought over ¥500, not in 90 days". Every condition given must hold (AND); a list inside
one condition matches any of its values (shops, levels, groups, tags.any) or all of them
(tags.all). The keys:

- recency: within_days (ordered in the last N days), not_within_days (no order in the
  last N days, never ordered included); both: a window between the two.
- orders: min / max number of orders (Customer.order_count).
- spent: min / max money paid (Customer.total_spent), inclusive, "500.00" strings.
- tags: any / all, tag names.
- shops (shop codes), levels (level codes), groups (buyer group names).
- purchase: the seed's three groups (seed 000): "bought" (paid at least one order; the
  list shows the amount), "not_bought" (placed orders, never paid one), "only_asked"
  (talked to the service desk, never placed an order).

Members are never stored: `customers_of` compiles the rules to a queryset (every list and
tag test a subquery, so no row is counted twice), and `live_counts` counts many segments
and the three seed groups in one aggregate query. A customer merged into another
(merged_into set) is never a member: the kept customer carries its orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import parse_money
from sellerdesk.crm.models import Segment
from sellerdesk.customers.models import Customer, CustomerGroup, CustomerLevel, CustomerTag
from sellerdesk.orders.models import Order
from sellerdesk.service.models import Conversation
from sellerdesk.shops.access import limit_to_visible_shops, shop_limit_q
from sellerdesk.shops.models import Shop

MAX_DAYS = 36500
MAX_NAMES = 50
PurchaseGroup = Literal["bought", "not_bought", "only_asked"]

# The seed's groups, in the order the pages list them.
PURCHASE_GROUPS: dict[str, Any] = {
    "bought": gettext_lazy("Has bought"),
    "not_bought": gettext_lazy("Ordered, never paid"),
    "only_asked": gettext_lazy("Only asked"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Recency(_Strict):
    within_days: int | None = Field(default=None, ge=1, le=MAX_DAYS, strict=True)
    not_within_days: int | None = Field(default=None, ge=1, le=MAX_DAYS, strict=True)

    @model_validator(mode="after")
    def _window(self) -> Recency:
        if (
            self.within_days is not None
            and self.not_within_days is not None
            and self.not_within_days >= self.within_days
        ):
            raise ValueError("not_within_days must be fewer than within_days")
        return self


class OrderRange(_Strict):
    min: int | None = Field(default=None, ge=0, le=10_000_000, strict=True)
    max: int | None = Field(default=None, ge=0, le=10_000_000, strict=True)

    @model_validator(mode="after")
    def _ordered(self) -> OrderRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not be more than max")
        return self


class SpendRange(_Strict):
    min: Decimal | None = None
    max: Decimal | None = None

    @field_validator("min", "max", mode="before")
    @classmethod
    def _money(cls, value: Any) -> Decimal | None:
        return None if value is None else parse_money(value)

    @model_validator(mode="after")
    def _ordered(self) -> SpendRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not be more than max")
        return self


Names = list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]]


class TagRule(_Strict):
    any: Names = Field(default_factory=list, max_length=MAX_NAMES)
    all: Names = Field(default_factory=list, max_length=MAX_NAMES)


class SegmentRules(_Strict):
    """One segment's conditions; every one given must hold. Extra keys are refused."""

    recency: Recency | None = None
    orders: OrderRange | None = None
    spent: SpendRange | None = None
    tags: TagRule | None = None
    shops: Names = Field(default_factory=list, max_length=MAX_NAMES)
    levels: Names = Field(default_factory=list, max_length=MAX_NAMES)
    groups: Names = Field(default_factory=list, max_length=MAX_NAMES)
    purchase: PurchaseGroup | None = None

    def as_json(self) -> dict[str, Any]:
        """The rules as stored: only the conditions given, amounts as strings."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


# Pydantic's messages are English only; the ones a person meets here in both languages.
def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return _("not a rule; use one of %(names)s") % {"names": ", ".join(_allowed_keys(error.get("loc", ())))}
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("must be a whole number")
    if kind == "greater_than_equal":
        return _("must be at least %(n)s") % {"n": context.get("ge")}
    if kind == "less_than_equal":
        return _("must be at most %(n)s") % {"n": context.get("le")}
    if kind == "literal_error":
        return _("must be one of %(names)s") % {"names": ", ".join(PURCHASE_GROUPS)}
    if kind in ("list_type", "too_long"):
        return _("must be a list of at most %(n)s names") % {"n": MAX_NAMES}
    if kind in ("string_type",):
        return _("must be text")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("must be an object")
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    translated = {
        "not_within_days must be fewer than within_days": _("must be fewer days than within_days"),
        "min must not be more than max": _("min must not be more than max"),
    }
    return translated.get(message, message)


def _allowed_keys(location: Sequence[Any]) -> list[str]:
    model: type[BaseModel] = SegmentRules
    for part in location[:-1]:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[str(part)].annotation
        nested = [arg for arg in getattr(annotation, "__args__", (annotation,)) if isinstance(arg, type)]
        found = next((arg for arg in nested if issubclass(arg, BaseModel)), None)
        if found is None:
            break
        model = found
    return list(model.model_fields)


def _where(location: Sequence[Any]) -> str:
    """("tags", "any", 1) → "tags.any[1]"."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else ("." if text else "") + str(part)
    return text


def checked_shape(raw: Any, *, field: str = "rules") -> SegmentRules:
    """The rules of `raw` checked for shape only (keys, types, ranges, min over max), not for
    the names they use; a ValidationFailed names each bad field as `rules.<path>`."""
    if not isinstance(raw, Mapping):
        raise ValidationFailed({field: _("must be an object")}, _("The segment's rules are not valid."))
    try:
        return SegmentRules.model_validate(dict(raw))
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            location = [part for part in problem.get("loc", ()) if part != "__root__"]
            key = f"{field}.{_where(location)}" if location else field
            errors.setdefault(key, _message(problem))
        raise ValidationFailed(errors, _("The segment's rules are not valid.")) from None


def parse_rules(raw: Any, *, field: str = "rules") -> SegmentRules:
    """The rules of `raw` (a mapping as stored or sent), checked: unknown keys, wrong types,
    out-of-range numbers, min over max, and names of shops, levels, tags and groups that do
    not exist are a ValidationFailed naming each bad field as `rules.<path>`."""
    rules = checked_shape(raw, field=field)
    errors = {}
    for key, names, found in (
        ("shops", rules.shops, set(Shop.objects.filter(code__in=rules.shops).values_list("code", flat=True))),
        (
            "levels",
            rules.levels,
            set(CustomerLevel.objects.filter(code__in=rules.levels).values_list("code", flat=True)),
        ),
        (
            "groups",
            rules.groups,
            set(CustomerGroup.objects.filter(name__in=rules.groups).values_list("name", flat=True)),
        ),
    ):
        for index, name in enumerate(names):
            if name not in found:
                errors[f"{field}.{key}[{index}]"] = _("no such %(kind)s: %(name)s") % {
                    "kind": _kind_name(key),
                    "name": name,
                }
    if rules.tags is not None:
        wanted = [*rules.tags.any, *rules.tags.all]
        known = set(CustomerTag.objects.filter(name__in=wanted).values_list("name", flat=True))
        for part in ("any", "all"):
            for index, name in enumerate(getattr(rules.tags, part)):
                if name not in known:
                    errors[f"{field}.tags.{part}[{index}]"] = _("no such %(kind)s: %(name)s") % {
                        "kind": _("tag"),
                        "name": name,
                    }
    if errors:
        raise ValidationFailed(errors, _("The segment's rules are not valid."))
    return rules


def _kind_name(key: str) -> str:
    return {"shops": _("shop"), "levels": _("customer level"), "groups": _("buyer group")}[key]


# --- compiling the rules ---------------------------------------------------------------------


def _paid_orders() -> QuerySet[Order]:
    return Order.objects.filter(customer=OuterRef("pk"), paid_at__isnull=False)


def purchase_q(group: str) -> Q:
    """The seed group `group` as a condition on Customer."""
    any_order = Exists(Order.objects.filter(customer=OuterRef("pk")))
    if group == "bought":
        return Q(Exists(_paid_orders()))
    if group == "not_bought":
        return Q(any_order) & ~Q(Exists(_paid_orders()))
    if group == "only_asked":
        return Q(Exists(Conversation.objects.filter(customer=OuterRef("pk")))) & ~Q(any_order)
    raise ValueError(group)


def rules_q(rules: SegmentRules, *, now: datetime) -> Q:
    """Every condition of `rules` as one Q over Customer (merged-away customers excluded);
    lists and tags are EXISTS subqueries, so a customer appears at most once."""
    condition = Q(merged_into__isnull=True)
    if rules.recency is not None:
        if rules.recency.within_days is not None:
            condition &= Q(last_order_at__gte=now - timedelta(days=rules.recency.within_days))
        if rules.recency.not_within_days is not None:
            since = now - timedelta(days=rules.recency.not_within_days)
            condition &= Q(last_order_at__lt=since) | Q(last_order_at__isnull=True)
    if rules.orders is not None:
        if rules.orders.min is not None:
            condition &= Q(order_count__gte=rules.orders.min)
        if rules.orders.max is not None:
            condition &= Q(order_count__lte=rules.orders.max)
    if rules.spent is not None:
        if rules.spent.min is not None:
            condition &= Q(total_spent__gte=rules.spent.min)
        if rules.spent.max is not None:
            condition &= Q(total_spent__lte=rules.spent.max)
    tagged = Customer.tags.through.objects.filter(customer=OuterRef("pk"))
    if rules.tags is not None:
        if rules.tags.any:
            condition &= Q(Exists(tagged.filter(customertag__name__in=rules.tags.any)))
        for name in rules.tags.all:
            condition &= Q(Exists(tagged.filter(customertag__name=name)))
    if rules.shops:
        condition &= Q(shop__code__in=rules.shops)
    if rules.levels:
        condition &= Q(level__code__in=rules.levels)
    if rules.groups:
        members = CustomerGroup.members.through.objects.filter(customer=OuterRef("pk"))
        condition &= Q(Exists(members.filter(customergroup__name__in=rules.groups)))
    if rules.purchase is not None:
        condition &= purchase_q(rules.purchase)
    return condition


def customers_of(
    rules: SegmentRules, *, actor: User | None, shop: Shop | None = None, now: datetime | None = None
) -> QuerySet[Customer]:
    """The customers the rules select (of `shop` only, when given; of the shops the actor
    may see), newest first."""
    require(actor, "customers.view")
    found = limit_to_visible_shops(Customer.objects.all(), actor).filter(rules_q(rules, now=now or timezone.now()))
    if shop is not None:
        found = found.filter(shop=shop)
    return found.order_by("-created_at", "-pk")


def segment_customers(*, segment: Segment, actor: User | None, now: datetime | None = None) -> QuerySet[Customer]:
    """A stored segment's members right now. Rules stored before a tag, shop or group was
    deleted still compile: the missing name simply matches nobody."""
    rules = checked_shape(segment.rules)
    return customers_of(rules, actor=actor, shop=segment.shop, now=now)


def live_counts(
    *, segments: Iterable[Segment], actor: User | None, now: datetime | None = None
) -> tuple[dict[int, int | None], dict[str, int]]:
    """How many customers each segment and each seed group holds right now, counted in one
    query: ({segment id: count}, {purchase group: count}). A segment whose stored rules no
    longer have a valid shape (edited by hand in the admin) is counted as None."""
    require(actor, "customers.view")
    now = now or timezone.now()
    aggregates: dict[str, Count] = {}
    broken: list[int] = []
    for segment in segments:
        try:
            condition = rules_q(checked_shape(segment.rules), now=now)
        except ValidationFailed:
            broken.append(segment.pk)
            continue
        if segment.shop_id is not None:
            condition &= Q(shop_id=segment.shop_id)
        aggregates[f"segment_{segment.pk}"] = Count("pk", filter=condition)
    for group in PURCHASE_GROUPS:
        aggregates[f"purchase_{group}"] = Count("pk", filter=Q(merged_into__isnull=True) & purchase_q(group))
    # Counted over the shops the actor may see (shops.access).
    # (as a condition, not a query of its own: the counts stay one query)
    totals = Customer.objects.filter(shop_limit_q(actor)).aggregate(**aggregates)
    by_segment: dict[int, int | None] = {
        int(key.split("_", 1)[1]): value for key, value in totals.items() if key.startswith("segment_")
    }
    by_segment.update(dict.fromkeys(broken))
    by_group = {key.split("_", 1)[1]: value for key, value in totals.items() if key.startswith("purchase_")}
    return by_segment, by_group


def purchase_group_customers(*, group: str, actor: User | None, shop: Shop | None = None) -> QuerySet[Customer]:
    """The customers of one seed group ("bought", "not_bought", "only_asked")."""
    if group not in PURCHASE_GROUPS:
        raise NotFound(_("No customer group %(name)s.") % {"name": group}, details={"group": group})
    return customers_of(SegmentRules(purchase=group), actor=actor, shop=shop)  # type: ignore[arg-type]


def get_segment(*, segment_id: int, actor: User | None) -> Segment:
    require(actor, "customers.view")
    segment = Segment.objects.select_related("shop", "created_by").filter(pk=segment_id).first()
    if segment is None:
        raise NotFound(_("No segment %(id)s.") % {"id": segment_id}, details={"id": segment_id})
    return segment


# --- actions ---------------------------------------------------------------------------------


def _checked_text(name: str, description: str) -> tuple[str, str]:
    name, description = name.strip(), description.strip()
    errors: dict[str, str] = {}
    if not name or len(name) > 80:
        errors["name"] = _("enter a name of at most 80 characters")
    if len(description) > 300:
        errors["description"] = _("at most %(count)d characters") % {"count": 300}
    if errors:
        raise ValidationFailed(errors)
    return name, description


def _save(segment: Segment, name: str) -> Segment:
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError:
        raise Conflict(
            "duplicate_segment",
            _("A segment named %(name)s exists already.") % {"name": name},
            details={"field": "name"},
        ) from None
    return segment


def create_segment(
    *,
    actor: User,
    name: str,
    rules: Any,
    description: str = "",
    shop: Shop | None = None,
    at: datetime | None = None,
) -> Segment:
    """A new stored segment. Its rules are parsed first (parse_rules); a bad rule or name is
    a ValidationFailed naming the field and nothing is saved; a taken name a Conflict."""
    require(actor, "segments.edit")
    name, description = _checked_text(name, description)
    parsed = parse_rules(rules)
    at = at or timezone.now()
    segment = Segment(
        name=name,
        description=description,
        shop=shop,
        rules=parsed.as_json(),
        created_at=at,
        created_by=actor,
        updated_at=at,
    )
    return _save(segment, name)


_UNSET: Any = object()


def update_segment(
    *,
    actor: User,
    segment: Segment,
    name: str | None = None,
    description: str | None = None,
    rules: Any = _UNSET,
    shop: Shop | None = _UNSET,
    at: datetime | None = None,
) -> Segment:
    """Change a segment's name, description, shop or rules (only those passed); checked as
    create_segment checks them, nothing saved when any is bad."""
    require(actor, "segments.edit")
    new_name, new_description = _checked_text(
        segment.name if name is None else name, segment.description if description is None else description
    )
    parsed = parse_rules(segment.rules if rules is _UNSET else rules)
    with transaction.atomic():
        locked = Segment.objects.select_for_update().get(pk=segment.pk)
        locked.name, locked.description, locked.rules = new_name, new_description, parsed.as_json()
        if shop is not _UNSET:
            locked.shop = shop
        locked.updated_at = at or timezone.now()
        return _save(locked, new_name)


def delete_segment(*, actor: User, segment: Segment) -> None:
    """Delete a stored segment (its customers are untouched: a segment is only a rule)."""
    require(actor, "segments.edit")
    Segment.objects.filter(pk=segment.pk).delete()
