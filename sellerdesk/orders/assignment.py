"""Who looks after an order: an order is assigned to one staff member (an agent,
usually), from the order list's bulk "assign" or the API's bulk endpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import STAFF, require
from sellerdesk.orders import events
from sellerdesk.orders.models import Order, OrderEventType


def _assigned(data: dict[str, Any]) -> str:
    if not data.get("after"):
        return _("Assignment cleared")
    return _("Assigned to %(name)s") % {"name": data.get("name", "")}


events.register_event_code(
    OrderEventType.ASSIGNED,
    OrderEventType.ASSIGNED,
    render=_assigned,
    example={"before": None, "after": 7, "name": "阿华"},
)


def assignable_staff() -> QuerySet[User]:
    """The active staff an order may be assigned to, by name (for the list's choices)."""
    return User.objects.filter(is_active=True, role__in=sorted(STAFF)).order_by("first_name", "username")


def is_assignable(user: User) -> bool:
    """Whether orders may be given to `user`: active staff (or a superuser)."""
    return user.is_active and (user.is_superuser or user.role in STAFF)


@transaction.atomic
def assign_order(*, order: Order, actor: User | None, assignee: User | None, at: datetime | None = None) -> Order:
    """Give the order to `assignee` to look after (None: to nobody) and write an
    "assigned" event; nothing is written when it is already theirs. Refused when the
    actor may not assign or the assignee is no active staff."""
    require(actor, "orders.assign")
    if assignee is not None and not is_assignable(assignee):
        raise ValidationFailed({"assignee": _("%(name)s is not active staff") % {"name": assignee.username}})
    locked = Order.objects.select_for_update().get(pk=order.pk)
    after = assignee.pk if assignee is not None else None
    if locked.assignee_id == after:
        return locked
    before = locked.assignee_id
    locked.assignee = assignee
    locked.save(update_fields=["assignee"])
    events.write_event(
        locked,
        OrderEventType.ASSIGNED,
        actor=actor,
        at=at or timezone.now(),
        before=before,
        after=after,
        name=assignee.signature if assignee is not None else "",
    )
    return locked
