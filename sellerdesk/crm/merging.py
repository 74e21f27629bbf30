"""Merging duplicate customers of one shop, and finding the candidates.

A buyer known to a shop under two identities (a marketplace nickname and a phone, two
nicknames …) is two customers. `merge_customers` folds the duplicates into the customer
kept: every row that points at a duplicate moves (orders, after-sales cases,
conversations, outgoing messages, portal tokens, addresses, notes, tags, buyer groups,
message preference, do-not-remind), the counters add up, and each duplicate keeps its
identity with `merged_into` set, so that the next order of that identity reaches the kept
customer (customers.actions.count_order_of_buyer).

`RELATED_ROWS` says what happens to each kind of row pointing at a customer; a test walks
`Customer._meta.related_objects` and fails on any foreign key it does not name, so a table
added later cannot be forgotten here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.aftersales.models import Case
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.crm.models import CustomerMerge
from sellerdesk.customers.models import (
    Customer,
    CustomerAddress,
    CustomerEvent,
    CustomerEventType,
    CustomerGroup,
)
from sellerdesk.notifications.models import BuyerPreference
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop

MAX_DUPLICATES = 20
MAX_REASON_LENGTH = 300

# What a merge does with each foreign key to Customer ("app_label.Model.field"):
#   "move"    the rows of the duplicates are given to the kept customer (counted under `kind`);
#   "single"  a one-to-one: the kept customer's row wins, a duplicate's moves when it has none;
#   "history" the rows stay on the duplicate: they are its audit (its own events, earlier
#             merges), and rewriting them would falsify who was what when;
#   "special" handled by its own code below (the merge chain itself).
# The reverse many-to-many of buyer groups and the forward tags are handled by
# _move_many_to_many (tests check those two too).
RELATED_ROWS: dict[str, tuple[str, str]] = {
    "orders.Order.customer": ("move", "orders"),
    "aftersales.Case.customer": ("move", "aftersales_cases"),
    "service.Conversation.customer": ("move", "conversations"),
    "notifications.OutgoingMessage.customer": ("move", "outgoing_messages"),
    "portal.BuyerToken.customer": ("move", "portal_tokens"),
    "customers.CustomerAddress.customer": ("move", "addresses"),
    "customers.CustomerNote.customer": ("move", "notes"),
    "notifications.BuyerPreference.customer": ("single", "message_preference"),
    "reminders.DoNotRemind.customer": ("single", "do_not_remind"),
    "customers.CustomerEvent.customer": ("history", "events"),
    "crm.CustomerMerge.kept": ("history", "merges"),
    "crm.CustomerMerge.merged": ("history", "merges"),
    "customers.Customer.merged_into": ("special", "merged_customers"),
}
MANY_TO_MANY = {"customers.Customer.tags": "tags", "customers.CustomerGroup.members": "groups"}


def relation_key(field: models.Field[Any, Any]) -> str:
    """ "app_label.Model.field" of a field, the key of RELATED_ROWS and MANY_TO_MANY."""
    return f"{field.model._meta.app_label}.{field.model.__name__}.{field.name}"


def _validate(keep: Customer, duplicates: Sequence[Customer], reason: str) -> tuple[list[int], str]:
    """The duplicates' ids (sorted) and the stripped reason, or a ValidationFailed."""
    errors: dict[str, str] = {}
    reason = reason.strip()
    if not reason:
        errors["reason"] = _("say why these customers are the same buyer")
    elif len(reason) > MAX_REASON_LENGTH:
        errors["reason"] = _("at most %(count)d characters") % {"count": MAX_REASON_LENGTH}
    ids = sorted({duplicate.pk for duplicate in duplicates})
    if not ids:
        errors["duplicates"] = _("choose at least one duplicate")
    elif len(ids) > MAX_DUPLICATES:
        errors["duplicates"] = _("at most %(count)d duplicates at once") % {"count": MAX_DUPLICATES}
    elif keep.pk in ids:
        errors["duplicates"] = _("the customer kept cannot also be a duplicate")
    elif any(duplicate.shop_id != keep.shop_id for duplicate in duplicates):
        errors["duplicates"] = _("only customers of the same shop can be merged")
    if errors:
        raise ValidationFailed(errors)
    return ids, reason


def _check_not_merged(locked: dict[int, Customer], keep_id: int, duplicate_ids: list[int]) -> None:
    """Read under the lock: a customer merged away meanwhile cannot take part again."""
    if locked[keep_id].merged_into_id is not None:
        raise ValidationFailed({"keep": _("this customer was merged into another one")})
    if any(locked[pk].merged_into_id is not None for pk in duplicate_ids):
        raise ValidationFailed({"duplicates": _("a duplicate was already merged into another customer")})


def _move_addresses(keep_id: int, duplicate_id: int) -> int:
    # One default address per customer: a duplicate's default moves only when the kept
    # customer has none.
    rows = CustomerAddress.objects.filter(customer_id=duplicate_id)
    if CustomerAddress.objects.filter(customer_id=keep_id, is_default=True).exists():
        rows.filter(is_default=True).update(is_default=False)
    return rows.update(customer_id=keep_id)


def _fold_single(model: type[models.Model], field: str, keep_id: int, duplicate_id: int) -> int:
    """A one-to-one row of the duplicate: moved if the kept customer has none, else folded
    into the kept one's and deleted. Returns 1 when the duplicate had one."""
    theirs = model._default_manager.filter(**{f"{field}_id": duplicate_id}).first()
    if theirs is None:
        return 0
    ours = model._default_manager.filter(**{f"{field}_id": keep_id}).first()
    if ours is None:
        model._default_manager.filter(pk=theirs.pk).update(**{f"{field}_id": keep_id})
        return 1
    if isinstance(ours, BuyerPreference) and isinstance(theirs, BuyerPreference):
        # A buyer who asked for no reminders under either identity keeps that choice.
        ours.opt_out = ours.opt_out or theirs.opt_out
        ours.email = ours.email or theirs.email
        ours.language = ours.language or theirs.language
        ours.save(update_fields=["opt_out", "email", "language"])
    # DoNotRemind: the kept customer is not reminded already; its own reason stays.
    theirs.delete()
    return 1


def _move_links(through: Any, other: str, keep_id: int, duplicate_id: int) -> int:
    """The duplicate's rows of one many-to-many table become the kept customer's (once
    each); returns how many the duplicate had."""
    theirs = set(through.objects.filter(customer_id=duplicate_id).values_list(other, flat=True))
    ours = set(through.objects.filter(customer_id=keep_id).values_list(other, flat=True))
    through.objects.bulk_create([through(customer_id=keep_id, **{other: pk}) for pk in sorted(theirs - ours)])
    through.objects.filter(customer_id=duplicate_id).delete()
    return len(theirs)


def _move_many_to_many(keep_id: int, duplicate_id: int) -> dict[str, int]:
    """Tags and buyer groups of the duplicate become the kept customer's."""
    return {
        "tags": _move_links(Customer.tags.through, "customertag_id", keep_id, duplicate_id),
        "groups": _move_links(CustomerGroup.members.through, "customergroup_id", keep_id, duplicate_id),
    }


def _move_rows(keep_id: int, duplicate_id: int) -> dict[str, int]:
    """Move every row pointing at the duplicate, by RELATED_ROWS; counts per kind."""
    moved: dict[str, int] = {}
    for relation in Customer._meta.related_objects:
        if relation.many_to_many:
            continue  # _move_many_to_many
        handling, kind = RELATED_ROWS[relation_key(relation.field)]  # KeyError: a new foreign key to decide on
        if handling in ("history", "special"):
            continue
        model = relation.related_model
        if model is CustomerAddress:
            count = _move_addresses(keep_id, duplicate_id)
        elif handling == "single":
            count = _fold_single(model, relation.field.name, keep_id, duplicate_id)
        else:
            count = model._default_manager.filter(**{relation.field.attname: duplicate_id}).update(
                **{relation.field.attname: keep_id}
            )
        moved[kind] = moved.get(kind, 0) + count
    moved.update(_move_many_to_many(keep_id, duplicate_id))
    return {kind: count for kind, count in moved.items() if count}


def merge_customers(
    *, keep: Customer, duplicates: Sequence[Customer], actor: User | None, reason: str
) -> list[CustomerMerge]:
    """Merge `duplicates` into `keep`, all of one shop, in one transaction.

    Moves every row pointing at a duplicate (RELATED_ROWS), adds the duplicates' order
    count and spending to the kept customer (its last order is the latest of all), gives it
    the best level when it had none, sets each duplicate's `merged_into` (earlier merges
    into a duplicate now point at `keep` too) and zeroes its counters; writes a `merged`
    event on the kept customer, a `merged_into` event on each duplicate and one
    CustomerMerge row per duplicate, which it returns.

    Bad input (no reason, another shop, a customer merged already …) is a ValidationFailed
    naming the field, and nothing is written. Safe against a concurrent order intake or
    payment: the duplicates' orders are locked first (a payment locks its order, then
    counts the money to the customer), then the customers in id order.
    """
    require(actor, "customers.merge")
    duplicate_ids, reason = _validate(keep, duplicates, reason)
    with transaction.atomic():
        # After-sales cases, then orders, then customers: the order in which a refund
        # (case, order, the customer's spending) and a payment (order, customer) take them,
        # so a merge waits for those and never deadlocks with them.
        list(Case.objects.select_for_update().filter(customer_id__in=duplicate_ids).order_by("pk").values_list("pk"))
        list(Order.objects.select_for_update().filter(customer_id__in=duplicate_ids).order_by("pk").values_list("pk"))
        locked = {
            customer.pk: customer
            for customer in Customer.objects.select_for_update(of=("self",))
            .select_related("level")
            .filter(pk__in=[keep.pk, *duplicate_ids])
            .order_by("pk")
        }
        _check_not_merged(locked, keep.pk, duplicate_ids)
        kept = locked[keep.pk]
        level_before = kept.level
        now = timezone.now()
        merges: list[CustomerMerge] = []
        total_moved: dict[str, int] = {}
        for duplicate_id in duplicate_ids:
            duplicate = locked[duplicate_id]
            moved = _move_rows(kept.pk, duplicate_id)
            chained = Customer.objects.filter(merged_into_id=duplicate_id).update(merged_into_id=kept.pk)
            if chained:
                moved["merged_customers"] = chained
            _add_counters(kept, duplicate)
            duplicate.merged_into_id = kept.pk
            duplicate.order_count = 0
            duplicate.total_spent = Decimal("0.00")
            duplicate.save(update_fields=["merged_into", "order_count", "total_spent"])
            CustomerEvent.objects.create(
                customer=duplicate,
                type=CustomerEventType.MERGED_INTO,
                actor=actor,
                at=now,
                data={"into": kept.display_number, "reason": reason},
            )
            merges.append(
                CustomerMerge.objects.create(
                    kept=kept,
                    merged=duplicate,
                    reason=reason,
                    moved=moved,
                    at=now,
                    actor=actor,
                )
            )
            for kind, count in moved.items():
                total_moved[kind] = total_moved.get(kind, 0) + count
        kept.save(update_fields=["order_count", "total_spent", "last_order_at", "level"])
        if kept.level != level_before:
            # The buyer keeps the better level of a duplicate: audited like any level change.
            CustomerEvent.objects.create(
                customer=kept,
                type=CustomerEventType.LEVEL_CHANGED,
                actor=actor,
                at=now,
                data={
                    "before": level_before.code if level_before else None,
                    "after": kept.level.code if kept.level else None,
                    "reason": reason,
                    "automatic": False,
                },
            )
        CustomerEvent.objects.create(
            customer=kept,
            type=CustomerEventType.MERGED,
            actor=actor,
            at=now,
            data={
                "merged": [locked[pk].display_number for pk in duplicate_ids],
                "reason": reason,
                "moved": dict(sorted(total_moved.items())),
            },
        )
    return merges


def _add_counters(kept: Customer, duplicate: Customer) -> None:
    kept.order_count += duplicate.order_count
    kept.total_spent += duplicate.total_spent
    if duplicate.last_order_at is not None and (
        kept.last_order_at is None or duplicate.last_order_at > kept.last_order_at
    ):
        kept.last_order_at = duplicate.last_order_at
    # The buyer keeps the better of their levels, unless the kept one's was set by hand.
    if (
        duplicate.level is not None
        and not kept.level_locked
        and (kept.level is None or duplicate.level.rank > kept.level.rank)
    ):
        kept.level = duplicate.level


@dataclass(frozen=True)
class DuplicateGroup:
    """Customers of one shop sharing a phone under different identities; the likely one to
    keep (most orders, then oldest) first."""

    phone: str
    customers: list[Customer]


def duplicate_candidates(*, shop: Shop, actor: User | None, limit: int = 50) -> list[DuplicateGroup]:
    """Up to `limit` groups of the shop's customers (not merged away) that share a phone,
    by phone. Two queries whatever the number of groups."""
    require(actor, "customers.view")
    live = Customer.objects.filter(shop=shop, merged_into__isnull=True).exclude(phone="")
    phones = list(
        live.values("phone")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .order_by("phone")
        .values_list("phone", flat=True)[:limit]
    )
    by_phone: dict[str, list[Customer]] = {phone: [] for phone in phones}
    for customer in live.filter(phone__in=phones).select_related("level").order_by("-order_count", "pk"):
        by_phone[customer.phone].append(customer)
    return [DuplicateGroup(phone=phone, customers=customers) for phone, customers in by_phone.items()]
