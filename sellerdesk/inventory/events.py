"""The audit events of transfers (调拨) and stock counts (盘点): one writer per event, and
the renderers of their codes (registered on import; `InventoryConfig.ready()` imports
this module). Stored as core.models.AuditEvent rows, shown on the transfer and count
pages (core.audit.history)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy

from sellerdesk.core.audit import record, register_audit_code
from sellerdesk.core.models import AuditEvent, User
from sellerdesk.inventory.models import StockCount, Transfer

TRANSFER = "transfer"
STOCK_COUNT = "stock_count"

TRANSFER_CREATED = "transfer_created"
TRANSFER_SHIPPED = "transfer_shipped"
TRANSFER_RECEIVED = "transfer_received"
TRANSFER_CANCELLED = "transfer_cancelled"
COUNT_STARTED = "count_started"
COUNTS_ENTERED = "counts_entered"
COUNT_POSTED = "count_posted"
COUNT_CANCELLED = "count_cancelled"

_NUMBER = {"number": "T2612060001"}
register_audit_code(TRANSFER_CREATED, TRANSFER, gettext_lazy("Transfer %(number)s created."), example=_NUMBER)
register_audit_code(
    TRANSFER_SHIPPED, TRANSFER, gettext_lazy("Transfer %(number)s shipped: the units are in transit."), example=_NUMBER
)
register_audit_code(TRANSFER_RECEIVED, TRANSFER, gettext_lazy("Transfer %(number)s received."), example=_NUMBER)
register_audit_code(TRANSFER_CANCELLED, TRANSFER, gettext_lazy("Transfer %(number)s cancelled."), example=_NUMBER)
TRANSFER_PART_RECEIVED = "transfer_part_received"
register_audit_code(
    TRANSFER_PART_RECEIVED,
    TRANSFER,
    gettext_lazy("Transfer %(number)s: %(units)s units received, %(left)s still in transit."),
    example={"number": "T2612060001", "units": 3, "left": 2},
)
_COUNT = {"number": "C2612060001"}
register_audit_code(COUNT_STARTED, STOCK_COUNT, gettext_lazy("Stock count %(number)s started."), example=_COUNT)
register_audit_code(COUNTS_ENTERED, STOCK_COUNT, gettext_lazy("Counts saved."), example={"lines": 3})
register_audit_code(COUNT_POSTED, STOCK_COUNT, gettext_lazy("Stock count %(number)s posted."), example=_COUNT)
register_audit_code(COUNT_CANCELLED, STOCK_COUNT, gettext_lazy("Stock count %(number)s cancelled."), example=_COUNT)


def transfer_event(transfer: Transfer, code: str, *, actor: User | None, at: datetime, **facts: object) -> AuditEvent:
    """A transfer created, shipped, received (in part: `facts` say how much) or cancelled
    (`code`), with its new status."""
    return record(
        object_kind=TRANSFER,
        object_id=transfer.pk,
        code=code,
        actor=actor,
        at=at,
        number=transfer.number,
        status=transfer.status,
        **facts,
    )


def count_event(count: StockCount, code: str, *, actor: User | None, at: datetime, **facts: object) -> AuditEvent:
    """A stock count started, its counts entered, posted or cancelled (`code`)."""
    return record(
        object_kind=STOCK_COUNT,
        object_id=count.pk,
        code=code,
        actor=actor,
        at=at,
        number=count.number,
        status=count.status,
        **facts,
    )
