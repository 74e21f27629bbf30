"""The exception desk (疑难件): parcels in trouble, each with the action seed 002
suggests, assigned to an agent, the buyer contacted, the outcome recorded, closed.

Detection: a troubled scan (超区, 爆仓, weather, accident, lost, damaged, 拒收) opens an
exception when it is recorded; the periodic job also opens "no update" exceptions for
parcels without a scan for the shop's number of days (default 2) and catches any
troubled scan not yet on the desk.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core import hooks, messages
from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.periodic import periodic
from sellerdesk.core.permissions import PERMISSIONS, STAFF, require
from sellerdesk.logistics import events
from sellerdesk.logistics.hooks import PARCEL_MESSAGES, ParcelProblemResolved
from sellerdesk.logistics.models import (
    ExceptionKind,
    ExceptionLog,
    ExceptionLogType,
    ExceptionOutcome,
    LogisticsException,
    LogisticsSettings,
    Shipment,
    TrackingEvent,
    TrackingKind,
)
from sellerdesk.logistics.states import TRACKED
from sellerdesk.shops.access import limit_to_visible_shops

KIND_OF_SCAN: dict[str, ExceptionKind] = {
    TrackingKind.OUT_OF_AREA: ExceptionKind.OUT_OF_AREA,
    TrackingKind.OVERLOAD: ExceptionKind.OVERLOAD,
    TrackingKind.DELAYED_WEATHER: ExceptionKind.WEATHER,
    TrackingKind.DELAYED_ACCIDENT: ExceptionKind.ACCIDENT,
    TrackingKind.LOST: ExceptionKind.LOST,
    TrackingKind.DAMAGED: ExceptionKind.DAMAGED,
    TrackingKind.REFUSED: ExceptionKind.REFUSED,
}

# Seed 002 (物流篇, 发货篇, 货到付款), in a sentence or two per kind.
SUGGESTIONS = {
    ExceptionKind.NO_UPDATE: gettext_lazy(
        "No update for two days often means a remote address: the parcel is scanned again only at the "
        "local transit station. Check with the carrier, follow it up yourself, and tell the buyer by SMS "
        "or phone as soon as there is news."
    ),
    ExceptionKind.OUT_OF_AREA: gettext_lazy(
        "超区 is the hardest problem parcel. Phone the buyer and persuade them to pay the extra freight to "
        "forward it with another carrier, or forward it at the shop's cost as a service; if neither, the "
        "carrier returns it to the shop."
    ),
    ExceptionKind.OVERLOAD: gettext_lazy(
        "爆仓 happens around big sales festivals. Explain the delay and ask the buyer to be patient; ship "
        "urgent orders with SF; advise buyers to order before the festival next time."
    ),
    ExceptionKind.WEATHER: gettext_lazy(
        "Storms or snow stop delivery. Explain to the buyer: once the parcel reaches the local station and "
        "the weather improves, delivery resumes."
    ),
    ExceptionKind.ACCIDENT: gettext_lazy(
        "When the carrier reports a vehicle accident, phone the buyer to explain and reship the parcel."
    ),
    ExceptionKind.LOST: gettext_lazy(
        "Phone the buyer, apologise and reship (or refund if they prefer); claim the loss from the carrier."
    ),
    ExceptionKind.DAMAGED: gettext_lazy(
        "Remind the buyer to open and check the parcel before signing; reship or refund the damaged goods "
        "and claim from the carrier."
    ),
    ExceptionKind.REFUSED: gettext_lazy(
        "Ask the buyer why they refused, note the refusal on the order with the tracking number, have the "
        "carrier send it back, and note it again when it arrives. The return freight is the seller's."
    ),
}


def suggestion_code(kind: str) -> str:
    """The code of the suggestion for an exception kind (LogisticsException.suggestion_data)."""
    return f"exception_suggestion_{kind}"


for _kind, _template in SUGGESTIONS.items():
    messages.register(suggestion_code(_kind), _template)


def _require(actor: User | None, permission: str, fallback: str) -> None:
    require(actor, permission if permission in PERMISSIONS else fallback)


def _log(exception: LogisticsException, log_type: str, *, actor: User | None, at: datetime, **data: object) -> None:
    ExceptionLog.objects.create(exception=exception, type=log_type, actor=actor, at=at, data=data)


def _open(
    shipment: Shipment,
    kind: ExceptionKind,
    *,
    detail: messages.Text,
    at: datetime,
    trigger: TrackingEvent | None,
) -> LogisticsException:
    """Open an exception. `detail` is a carrier's words, as they came, or the code and
    parameters of a detail the system worded; the suggestion is its kind's code. Both of
    the system's are rendered in the reader's language (desk, API, timeline)."""
    typed, coded = messages.typed_or_coded(detail)
    exception = LogisticsException.objects.create(
        shipment=shipment,
        order_id=shipment.order_id,
        kind=kind,
        detail=typed[:300],
        detail_data=coded,
        suggestion="",
        suggestion_data=messages.message(suggestion_code(kind)),
        trigger=trigger,
        detected_at=at,
    )
    stored = coded or exception.detail
    _log(exception, ExceptionLogType.DETECTED, actor=None, at=at, kind=kind, detail=stored)
    events.exception_detected_event(
        shipment.order,
        exception_id=exception.pk,
        tracking_number=shipment.tracking_number,
        kind=kind,
        detail=stored,
        at=at,
    )
    return exception


def open_for_event(event: TrackingEvent, *, now: datetime) -> LogisticsException | None:
    """Open the exception a troubled scan calls for (once per scan)."""
    kind = KIND_OF_SCAN.get(event.kind)
    if kind is None or LogisticsException.objects.filter(trigger=event).exists():
        return None
    shipment = Shipment.objects.select_related("order").get(pk=event.shipment_id)
    detail: messages.Text
    if event.description:  # the carrier's own words
        detail = f"{event.location}: {event.description}" if event.location else event.description
    else:
        detail = messages.message(events.SCAN_DETAIL, kind=event.kind, location=event.location)
    return _open(shipment, kind, detail=detail, at=now, trigger=event)


def _stale_days(shop_ids: Sequence[int]) -> dict[int, int]:
    found = dict(LogisticsSettings.objects.filter(shop_id__in=shop_ids).values_list("shop_id", "stale_after_days"))
    return {shop_id: found.get(shop_id, 2) for shop_id in shop_ids}


def detect_stale(now: datetime) -> int:
    """Open a "no update" exception for each parcel on its way without a scan for the
    shop's number of days, unless one was opened since its last scan."""
    rows = list(
        Shipment.objects.filter(status__in=TRACKED, last_event_at__isnull=False)
        .order_by("pk")
        .values_list("pk", "order__shop_id", "last_event_at")
    )
    days = _stale_days(sorted({row[1] for row in rows}))
    opened = 0
    for pk, shop_id, last_event_at in rows:
        if last_event_at is None or last_event_at > now - timedelta(days=days[shop_id]):
            continue
        with transaction.atomic():
            shipment = Shipment.objects.select_for_update().select_related("order").get(pk=pk)
            if shipment.status not in TRACKED or shipment.last_event_at is None:
                continue
            if LogisticsException.objects.filter(
                Q(closed_at__isnull=True) | Q(detected_at__gte=shipment.last_event_at),
                shipment=shipment,
                kind=ExceptionKind.NO_UPDATE,
            ).exists():
                continue
            hours = int((now - shipment.last_event_at).total_seconds() // 3600)
            _open(
                shipment,
                ExceptionKind.NO_UPDATE,
                detail=messages.message(
                    events.NO_UPDATE_DETAIL, hours=hours, last_at=shipment.last_event_at.isoformat()
                ),
                at=now,
                trigger=None,
            )
            opened += 1
    return opened


# Problems are looked for in the tracking just read.
@periodic("detect_logistics_exceptions", every=timedelta(minutes=30), after=("poll_tracking",))
def detect_logistics_exceptions(now: datetime) -> int:
    """The desk's sweep: parcels gone quiet, and troubled scans not yet on the desk."""
    opened = detect_stale(now)
    missed = TrackingEvent.objects.filter(kind__in=list(KIND_OF_SCAN), exception__isnull=True).order_by("pk")
    for event in missed:
        with transaction.atomic():
            Shipment.objects.select_for_update().get(pk=event.shipment_id)
            if open_for_event(event, now=now) is not None:
                opened += 1
    return opened


# --- working an exception -------------------------------------------------------------------


def _locked(exception: LogisticsException) -> LogisticsException:
    return (
        LogisticsException.objects.select_for_update(of=("self",))
        .select_related("shipment__carrier", "order")
        .get(pk=exception.pk)
    )


def _closed(exception: LogisticsException, action: str) -> Conflict:
    return Conflict(
        "exception_closed",
        _("This exception was closed already; it cannot be %(action)s.") % {"action": action},
        details={"exception": exception.pk},
    )


def assign_exceptions(
    *, exceptions: Sequence[LogisticsException], assignee: User, actor: User | None, at: datetime | None = None
) -> list[LogisticsException]:
    """Give open exceptions to a staff member (bulk assign). All or nothing: a closed one
    among them refuses the whole batch."""
    _require(actor, "logistics.exceptions", "orders.hold")
    if not assignee.is_active or not (assignee.is_superuser or assignee.role in STAFF):
        raise ValidationFailed({"assignee": _("%(name)s is not active staff") % {"name": assignee.username}})
    at = at or timezone.now()
    done = []
    with transaction.atomic():
        for exception in sorted(exceptions, key=lambda e: e.pk):
            locked = _locked(exception)
            if not locked.is_open:
                raise _closed(locked, _("assigned"))
            before = locked.assignee_id
            if before == assignee.pk:
                done.append(locked)
                continue
            locked.assignee = assignee
            locked.assigned_at = at
            locked.save(update_fields=["assignee", "assigned_at"])
            _log(locked, ExceptionLogType.ASSIGNED, actor=actor, at=at, before=before, after=assignee.pk)
            done.append(locked)
    return done


def contact_buyer(
    *, exception: LogisticsException, actor: User | None, text: str = "", at: datetime | None = None
) -> LogisticsException:
    """Record the message to the buyer about the parcel (the standard one for its kind,
    or `text` as the agent wrote it)."""
    _require(actor, "logistics.exceptions", "orders.hold")
    text = text.strip()
    if len(text) > 1000:
        raise ValidationFailed({"text": _("at most 1000 characters")})
    at = at or timezone.now()
    with transaction.atomic():
        locked = _locked(exception)
        if not locked.is_open:
            raise _closed(locked, _("followed up"))
        message = PARCEL_MESSAGES.get().parcel_problem(
            order=locked.order,
            kind=locked.kind,
            tracking_number=locked.shipment.tracking_number,
            carrier_name=locked.shipment.carrier.name,
            at=at,
            text=text,
        )
        locked.contacted_at = at
        locked.save(update_fields=["contacted_at"])
        _log(locked, ExceptionLogType.CONTACTED, actor=actor, at=at, message_id=message.id)
        events.buyer_told_event(
            locked.order,
            exception_id=locked.pk,
            message_id=message.id,
            tracking_number=locked.shipment.tracking_number,
            text=message.text,
            actor=actor,
            at=at,
        )
    return locked


def _resolution_problems(outcome: str, note: str, extra_fee: Decimal | None) -> dict[str, str]:
    """What is wrong with a resolution, by field: an unknown outcome, a long note, a
    forwarding without its fee, a fee that is no amount or belongs to no forwarding."""
    bad: dict[str, str] = {}
    if outcome not in ExceptionOutcome.values:
        bad["outcome"] = _("one of %(values)s") % {"values": ", ".join(ExceptionOutcome.values)}
    if len(note.strip()) > 500:
        bad["note"] = _("at most 500 characters")
    if outcome == ExceptionOutcome.FORWARD and extra_fee is None:
        bad["extra_fee"] = _("give the extra fee of forwarding (0.00 if the shop pays it)")
    if extra_fee is not None and (
        extra_fee < 0 or extra_fee > Decimal("99999.99") or extra_fee != extra_fee.quantize(Decimal("0.01"))
    ):
        bad["extra_fee"] = _("an amount between 0.00 and 99999.99 with at most 2 decimals")
    if extra_fee is not None and outcome != ExceptionOutcome.FORWARD and "outcome" not in bad:
        bad["extra_fee"] = _("only forwarding has an extra fee")
    return bad


def resolve_exception(
    *,
    exception: LogisticsException,
    outcome: str,
    note: str,
    actor: User | None,
    extra_fee: Decimal | None = None,
    at: datetime | None = None,
) -> LogisticsException:
    """Record what was done (reship, forward with an extra fee, refund, wait) and close it.
    Forwarding needs the extra fee (0.00 when the shop pays it)."""
    _require(actor, "logistics.exceptions", "orders.hold")
    bad = _resolution_problems(outcome, note, extra_fee)
    if bad:
        raise ValidationFailed(bad)
    at = at or timezone.now()
    with transaction.atomic():
        locked = _locked(exception)
        if not locked.is_open:
            raise _closed(locked, _("resolved"))
        locked.outcome = outcome
        locked.outcome_note = note.strip()
        locked.extra_fee = extra_fee
        locked.closed_at = at
        locked.closed_by = actor
        if locked.assignee_id is None and actor is not None:
            locked.assignee, locked.assigned_at = actor, at
        locked.save()
        _log(
            locked,
            ExceptionLogType.RESOLVED,
            actor=actor,
            at=at,
            outcome=outcome,
            note=locked.outcome_note,
            extra_fee=str(extra_fee) if extra_fee is not None else None,
        )
        events.exception_resolved_event(
            locked.order,
            exception_id=locked.pk,
            tracking_number=locked.shipment.tracking_number,
            kind=locked.kind,
            outcome=outcome,
            extra_fee=extra_fee,
            note=locked.outcome_note,
            actor=actor,
            at=at,
        )
        # Carried out above (after-sales: a reissue, a refund) in this transaction.
        hooks.emit(
            ParcelProblemResolved(
                order_id=locked.order_id,
                exception_id=locked.pk,
                shipment_id=locked.shipment_id,
                direction=locked.shipment.direction,
                kind=locked.kind,
                outcome=outcome,
                note=locked.outcome_note,
                actor=actor,
                at=at,
            )
        )
    return locked


# --- reads -----------------------------------------------------------------------------------


def list_exceptions(
    *,
    actor: User | None,
    kind: str = "",
    assignee: str = "",
    state: str = "open",
) -> list[LogisticsException]:
    """The desk's list: `kind` one of ExceptionKind or empty, `assignee` a username,
    "me"/"none" or empty, `state` open, closed or all."""
    require(actor, "logistics.view")
    bad: dict[str, str] = {}
    if kind and kind not in ExceptionKind.values:
        bad["kind"] = _("unknown kind %(kind)s") % {"kind": kind}
    if state not in ("open", "closed", "all"):
        bad["state"] = _("one of open, closed, all")
    if bad:
        raise ValidationFailed(bad)
    found = (
        visible_exceptions(actor)
        .select_related("shipment__carrier", "order", "assignee")
        .order_by("-detected_at", "-pk")
    )
    if kind:
        found = found.filter(kind=kind)
    if state == "open":
        found = found.filter(closed_at__isnull=True)
    elif state == "closed":
        found = found.filter(closed_at__isnull=False)
    if assignee == "none":
        found = found.filter(assignee__isnull=True)
    elif assignee == "me" and actor is not None:
        found = found.filter(assignee=actor)
    elif assignee:
        found = found.filter(assignee__username=assignee)
    return list(found[:500])


def visible_exceptions(actor: User | None) -> QuerySet[LogisticsException]:
    """The exceptions of the orders of the shops `actor` may see (shops.access): another
    shop's parcel problem is not found."""
    return limit_to_visible_shops(LogisticsException.objects.all(), actor, shop_field="order__shop_id")


def get_exception(*, pk: int, actor: User | None) -> LogisticsException:
    require(actor, "logistics.view")
    found = visible_exceptions(actor).select_related("shipment__carrier", "order", "assignee").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No logistics exception %(id)s.") % {"id": pk}, details={"id": pk})
    return found
