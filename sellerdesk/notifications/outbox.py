"""The outbox: every message is a row written in its event's transaction, sent after the commit.

1. `enqueue` (or `notify`, for a buyer's message about an order) writes the row in the
   caller's transaction, once per idempotency key, with the rules' verdict (N3's
   `rules.plan`): due now, due in the morning (quiet hours), or suppressed. After the
   commit the worker is woken (`wake_sender`).
2. `send_due` claims due rows with a lease (status sending, lease_until) in a short
   transaction (PostgreSQL: FOR UPDATE SKIP LOCKED, so N workers share the work; SQLite:
   the one writer), then calls each row's channel adapter with NO transaction open, then
   records the attempt (DeliveryAttempt) and the outcome in a second short transaction:
   sent, retrying after an exponential backoff, or dead after MAX_ATTEMPTS (at once when
   the channel says retrying cannot help).
3. A worker that dies mid-send leaves its rows in status sending; when their lease
   expires another worker claims them again and calls the provider with the same
   idempotency key, so a receiver that dedupes by it sees each message once.
4. `resend` puts a dead (or sent) message back in the queue, audited.

The claim counts the attempt (attempts + 1) before the call, so a message that kills its
worker every time still ends dead, and the attempt number is the fencing token: a worker
whose lease expired records its attempt but no longer decides the message's status.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core import fastinsert
from sellerdesk.core.audit import record, register_audit_code
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.tasks import wake_job
from sellerdesk.customers.models import Customer
from sellerdesk.notifications import rules, templates
from sellerdesk.notifications.channels import SendResult, adapter_for
from sellerdesk.notifications.models import (
    NON_TRANSACTIONAL_KINDS,
    PENDING_STATUSES,
    BuyerPreference,
    Channel,
    DeliveryAttempt,
    MessageKind,
    MessageStatus,
    OutgoingMessage,
    WebhookEndpoint,
)
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop

logger = logging.getLogger(__name__)

MESSAGE = "outgoing_message"
MESSAGE_RESENT = "message_resent"
register_audit_code(
    MESSAGE_RESENT,
    MESSAGE,
    gettext_lazy("Message queued again by hand (it was %(before)s)."),
    format=lambda data: {"before": MessageStatus(data["before"]).label if data.get("before") else ""},
    example={"before": "dead"},
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})
# Statuses a message may be resent from.
RESENDABLE = (MessageStatus.DEAD, MessageStatus.SENT)


def _settings() -> dict[str, Any]:
    return dict(settings.SELLERDESK.get("NOTIFICATIONS", {}))


def max_attempts() -> int:
    return int(_settings().get("MAX_ATTEMPTS", 6))


def lease_duration() -> timedelta:
    return timedelta(seconds=float(_settings().get("LEASE_SECONDS", 60)))


def retry_delay(attempt: int) -> timedelta:
    """How long after failed attempt number `attempt` (1, 2, …) the next one is due,
    without jitter: BACKOFF_SECONDS · 2^(attempt − 1), at most BACKOFF_MAX_SECONDS."""
    config = _settings()
    base = float(config.get("BACKOFF_SECONDS", 60))
    ceiling = float(config.get("BACKOFF_MAX_SECONDS", 3600))
    return timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), ceiling))


def _jittered(delay: timedelta) -> timedelta:
    # Up to 10 % more, so that messages failing together (a provider's outage) do not all
    # come back in the same second.
    return delay * (1 + random.random() / 10)


# --- writing -------------------------------------------------------------------------------


def enqueue(
    *,
    kind: str,
    channel: str,
    recipient: str,
    key: str,
    at: datetime,
    text: str = "",
    subject: str = "",
    params: Mapping[str, Any] = _EMPTY,
    order: Order | None = None,
    customer: Customer | None = None,
    shop: Shop | None = None,
    language: str = "",
    attachments: Sequence[Mapping[str, Any]] = (),
    webhook: WebhookEndpoint | None = None,
    transactional: bool | None = None,
    key_checked: bool = False,
    sent_today: int | None = None,
) -> OutgoingMessage | None:
    """Write one message to send, in the caller's transaction: queued now, queued for the
    morning (next_attempt_at) or suppressed, as the shop's rules say. One row per `key`,
    ever: called again with a key already written (even by a concurrent transaction) it
    returns that row and writes nothing. None, writing nothing, when there is nobody to
    send to (an empty recipient). The worker is woken when the transaction commits.
    `transactional` defaults to the kind's (payment reminders are not). `key_checked`:
    the caller has just looked for `key` in this transaction and found nothing, so it is
    not looked up again (a twin transaction's row is still met by the INSERT).
    `sent_today`: the caller has just counted the buyer's messages of today on `channel`
    (rules.sent_today), so the daily cap does not count them again."""
    if kind not in MessageKind.values:
        raise ValidationFailed({"kind": _("Unknown kind of message: %(kind)s") % {"kind": kind}})
    if channel not in Channel.values:
        raise ValidationFailed({"channel": _("Unknown channel: %(channel)s") % {"channel": channel}})
    if not key or len(key) > 200:
        raise ValidationFailed({"key": _("An idempotency key of 1 to 200 characters is required.")})
    if not key_checked:
        known = OutgoingMessage.objects.filter(idempotency_key=key).first()
        if known is not None:
            return known
    recipient = recipient.strip()
    if not recipient:
        return None
    customer_id = customer.pk if customer is not None else None
    if order is not None:
        if customer is None:
            # The order's buyer by id: the rules and the row need no more (not read again).
            customer_id = order.customer_id
            customer = order.customer if Order.customer.is_cached(order) else None
        shop = shop or order.shop
    if transactional is None:
        transactional = kind not in NON_TRANSACTIONAL_KINDS
    verdict = rules.plan(
        shop=shop,
        customer=customer if customer is not None else customer_id,
        kind=kind,
        channel=channel,
        transactional=transactional,
        now=at,
        # Only when counted: otherwise the rules count (as they are asked without it).
        **({"sent": sent_today} if sent_today is not None else {}),
    )
    status = str(verdict.status)
    row = OutgoingMessage(
        order=order,
        customer_id=customer_id,
        shop=shop,
        channel=channel,
        recipient=recipient[:500],
        kind=kind,
        language=language,
        subject=subject[:200],
        text=text,
        params=json_safe(params),
        attachments=[dict(attachment) for attachment in attachments],
        transactional=transactional,
        status=status,
        idempotency_key=key,
        next_attempt_at=(verdict.send_at or at) if status == MessageStatus.QUEUED else None,
        # Why a rule stopped it (a message held for the morning is simply due then).
        last_error=str(verdict.reason or "")[:500] if status == MessageStatus.SUPPRESSED else "",
        webhook=webhook,
        created_at=at,
    )
    if customer is not None:
        row.customer = customer  # the one at hand, as callers read it
    # The one INSERT, its statement built once per process (every event writes rows). A
    # twin transaction that wrote the key first makes it write nothing (after waiting for
    # the twin to commit, on PostgreSQL) without spoiling the caller's transaction, so no
    # savepoint is needed (ON CONFLICT on the key); the twin's row is the answer then.
    if not fastinsert.insert_unless_exists(row, conflict="idempotency_key"):
        return OutgoingMessage.objects.get(idempotency_key=key)
    if row.status == MessageStatus.QUEUED:
        transaction.on_commit(wake_sender)
    return row


def json_safe(params: Mapping[str, Any]) -> dict[str, Any]:
    """`params` as stored on a message: amounts (Decimal) and times as the API writes them."""
    return dict(json.loads(json.dumps(dict(params), cls=DjangoJSONEncoder)))


def buyer_preference(customer_id: int | None) -> BuyerPreference | None:
    """What the buyer chose in the portal (email, language, opt-out), if anything."""
    if customer_id is None:
        return None
    return BuyerPreference.objects.filter(customer_id=customer_id).first()


def recipient_of(channel: str, order: Order, preference: BuyerPreference | None) -> str:
    """Where a buyer's message about `order` goes on `channel`: the phone for SMS, the
    nickname for chat, the customer for in-site, the preference's address for email; ""
    when the buyer cannot be reached there (no email address; webhooks are not for buyers)."""
    if channel == Channel.SMS:
        return order.buyer_phone
    if channel == Channel.IM:
        return order.buyer_nickname or str(order.customer_id)
    if channel == Channel.IN_SITE:
        return str(order.customer_id)
    if channel == Channel.EMAIL:
        return preference.email if preference else ""
    return ""  # webhooks go to endpoints, not to a buyer


def notify(
    *,
    kind: str,
    order: Order,
    params: Mapping[str, Any],
    at: datetime,
    key: str | None = None,
    channels: Sequence[str] | None = None,
) -> list[OutgoingMessage]:
    """Write the buyer's messages about `order` (in the caller's transaction): one per
    channel the shop sends `kind` on (or `channels`), in the buyer's language (their
    preference, else the site's), worded by the shop's template for the kind, channel and
    language from the order's own parameters (templates.params_for_order) with `params`
    over them. Each is keyed `{key}:{channel}` (key defaults to `{kind}:{order number}`),
    so a repeated event writes nothing new. A channel the buyer cannot be reached on (no
    email address) is skipped. Returns the messages, new or already written."""
    preference = buyer_preference(order.customer_id)
    language = (preference.language if preference and preference.language else "") or settings.LANGUAGE_CODE
    base = key or f"{kind}:{order.number}"
    wanted = list(channels) if channels is not None else rules.channels_for(order.shop, str(kind))
    keys = {f"{base}:{channel}" for channel in wanted}
    # The channels the daily cap will count for this buyer (each gets one message here, so
    # one count before them all is each one's).
    capped = [
        channel
        for channel in wanted
        if order.customer_id
        and recipient_of(channel, order, preference)
        and rules.counts_against_cap(shop=order.shop, customer_id=order.customer_id, kind=str(kind), channel=channel)
    ]
    # One read for the channels written already (by key, as ids: most events are new, no
    # row to read) and the buyer's messages of today on the capped ones (rules.SentToday).
    sent_today = rules.SentToday(order.customer_id, capped, at) if capped else None
    condition = Q(idempotency_key__in=keys)
    if sent_today is not None:
        condition |= sent_today.condition()
    known_ids: dict[str, int] = {}
    counted_today: Counter[str] = Counter()
    for pk, channel, key, customer_id, created_at, status in OutgoingMessage.objects.filter(condition).values_list(
        "pk", "channel", "idempotency_key", "customer_id", "created_at", "status"
    ):
        if key in keys:
            known_ids[channel] = pk
        if sent_today is not None and sent_today.counts(
            customer_id=customer_id, channel=channel, created_at=created_at, status=status
        ):
            counted_today[channel] += 1
    known = (
        {message.channel: message for message in OutgoingMessage.objects.filter(pk__in=known_ids.values())}
        if known_ids
        else {}
    )
    filled: dict[str, Any] | None = None
    counted = {channel: counted_today[channel] for channel in capped if channel not in known}
    written = []
    for channel in wanted:
        if channel in known:
            written.append(known[channel])
            continue
        recipient = recipient_of(channel, order, preference)
        if not recipient:
            continue
        if filled is None:
            # The event's parameters over the order's (those it gives are not read).
            filled = templates.params_for_order(order, language=language, **params)
        words = templates.render(kind=kind, channel=channel, language=language, params=filled, shop=order.shop)
        message = enqueue(
            kind=kind,
            channel=channel,
            recipient=recipient,
            key=f"{base}:{channel}",
            text=words.body,
            subject=words.subject,
            params=filled,
            order=order,
            language=language,
            at=at,
            key_checked=True,  # looked up with the other channels' keys above
            sent_today=counted.get(channel),
        )
        if message is not None:
            written.append(message)
    return written


# The names events.py used before these were public (until it moves to the public ones).
_json_safe, _preference, _recipient = json_safe, buyer_preference, recipient_of


# --- waking the worker ---------------------------------------------------------------------

# The periodic job that sends due messages (notifications.tasks).
SEND_JOB = "send_messages"


def wake_sender() -> None:
    """Ask a worker to send due messages now rather than at its next round (core.tasks.wake_job)."""
    wake_job(SEND_JOB)


# --- sending -------------------------------------------------------------------------------


def _claim(*, now: datetime, size: int) -> list[OutgoingMessage]:
    """Take up to `size` due messages (oldest due first) for this worker: status sending,
    leased until now + LEASE_SECONDS, the attempt counted. Skips rows another worker is
    claiming at this moment (PostgreSQL) instead of waiting for them."""
    until = now + lease_duration()
    with transaction.atomic():
        due = (
            OutgoingMessage.objects.filter(status__in=PENDING_STATUSES)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
        )
        rows = list(due.select_for_update(skip_locked=True).values_list("pk", "status", "attempts")[:size])
        # A message still "sending" after its lease had a worker that died mid-send; one that
        # used its last attempt so is dead rather than tried again (it may kill every worker).
        abandoned = [
            pk for pk, status, attempts in rows if status == MessageStatus.SENDING and attempts >= max_attempts()
        ]
        if abandoned:
            OutgoingMessage.objects.filter(pk__in=abandoned).update(
                status=MessageStatus.DEAD,
                lease_until=None,
                next_attempt_at=None,
                last_error=_("The worker sending it stopped before it had an answer, on the last attempt."),
            )
        ids = [pk for pk, _status, _attempts in rows if pk not in abandoned]
        if not ids:
            return []
        # next_attempt_at follows the lease, so one condition (and one index) finds both the
        # messages due and those whose worker died.
        OutgoingMessage.objects.filter(pk__in=ids).update(
            status=MessageStatus.SENDING, lease_until=until, next_attempt_at=until, attempts=F("attempts") + 1
        )
        return list(
            OutgoingMessage.objects.filter(pk__in=ids)
            .select_related("order", "customer", "shop", "webhook")
            .order_by("next_attempt_at", "pk")
        )


def _release(messages: Sequence[OutgoingMessage], *, now: datetime) -> None:
    """Give back claimed messages this worker will not call in time (its lease is running
    out): due again at once, the attempt not counted."""
    for message in messages:
        OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=message.attempts).update(
            status=Case(When(attempts=1, then=Value(MessageStatus.QUEUED)), default=Value(MessageStatus.RETRYING)),
            attempts=F("attempts") - 1,
            lease_until=None,
            next_attempt_at=now,
        )


def _call(message: OutgoingMessage) -> SendResult:
    """The channel's answer; an adapter that raises is a failure worth retrying."""
    try:
        return adapter_for(message.channel).send(message)
    except Exception as error:
        logger.exception("sending message %s through %s failed", message.pk, message.channel)
        return SendResult(ok=False, error=f"{type(error).__name__}: {error}", retryable=True)


def _record(message: OutgoingMessage, result: SendResult, *, started_at: datetime, duration_ms: int) -> str:
    """Write the attempt and the message's outcome; returns the message's status after it."""
    number = message.attempts
    finished_at = started_at + timedelta(milliseconds=duration_ms)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=message,
            number=number,
            started_at=started_at,
            duration_ms=duration_ms,
            ok=result.ok,
            status_code=result.status_code,
            provider_message_id=(result.provider_message_id or "")[:200],
            error=(result.error or "")[:500],
            response=(result.response or "")[:1000],
        )
        if result.ok:
            # Delivered, even if this worker's lease ran out meanwhile: that is a fact.
            OutgoingMessage.objects.filter(pk=message.pk, status__in=(*PENDING_STATUSES, MessageStatus.DEAD)).update(
                status=MessageStatus.SENT,
                sent_at=finished_at,
                provider_message_id=(result.provider_message_id or "")[:200],
                lease_until=None,
                next_attempt_at=None,
                last_error="",
            )
            return MessageStatus.SENT
        is_final = not result.retryable or number >= max_attempts()
        status = MessageStatus.DEAD if is_final else MessageStatus.RETRYING
        # Only while this worker still holds the message (same attempt): a worker whose
        # lease expired and was overtaken does not undo the newer attempt.
        OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=number).update(
            status=status,
            lease_until=None,
            next_attempt_at=None if is_final else finished_at + _jittered(retry_delay(number)),
            last_error=(result.error or _("The channel refused the message."))[:500],
        )
        return status


def send_due(*, now: datetime, limit: int = 100, worker: str) -> int:
    """Send up to `limit` messages that are due at `now` (queued or retrying whose time has
    come, or sending whose worker's lease expired). Each batch is claimed in a short
    transaction; every channel call happens with no transaction open (call it outside
    one); each attempt is recorded with its outcome. Returns how many messages were tried.
    Safe to run in any number of processes at once."""
    config = _settings()
    batch = max(1, int(config.get("CLAIM_BATCH", 20)))
    lease = lease_duration().total_seconds()
    started = time.monotonic()
    tried = 0
    while tried < limit:
        claimed_at = now + timedelta(seconds=time.monotonic() - started)
        claimed = _claim(now=claimed_at, size=min(batch, limit - tried))
        if not claimed:
            break
        claimed_clock = time.monotonic()
        for index, message in enumerate(claimed):
            # Stop well before the lease ends, so that no other worker takes a message this
            # one is still about to send.
            if time.monotonic() - claimed_clock > lease * 0.8:
                _release(claimed[index:], now=now + timedelta(seconds=time.monotonic() - started))
                return tried
            call_started = time.monotonic()
            result = _call(message)
            duration_ms = int((time.monotonic() - call_started) * 1000)
            status = _record(
                message,
                result,
                started_at=now + timedelta(seconds=call_started - started),
                duration_ms=duration_ms,
            )
            tried += 1
            if not result.ok:
                logger.info(
                    "message %s attempt %s by %s: %s (%s)", message.pk, message.attempts, worker, status, result.error
                )
    return tried


# --- by hand -------------------------------------------------------------------------------


def resend(*, message: OutgoingMessage, actor: User | None, at: datetime | None = None) -> OutgoingMessage:
    """Queue a dead (or sent) message again, due at once, with its idempotency key and its
    attempts so far (the numbering goes on; a resent message that fails again is dead
    again, it gets one more try per resend). Audited. Refuses (409) any other status."""
    require(actor, "notifications.manage")
    at = at or timezone.now()
    with transaction.atomic():
        message = OutgoingMessage.objects.select_for_update().get(pk=message.pk)
        if message.status not in RESENDABLE:
            raise Conflict(
                "invalid_transition",
                _("Only a message that failed for good or was sent can be sent again; this one is %(status)s.")
                % {"status": MessageStatus(message.status).label},
                details={"current_status": message.status, "action": "resend"},
            )
        before = message.status
        message.status = MessageStatus.QUEUED
        message.next_attempt_at = at
        message.lease_until = None
        message.last_error = ""
        message.save(update_fields=["status", "next_attempt_at", "lease_until", "last_error"])
        record(object_kind=MESSAGE, object_id=message.pk, code=MESSAGE_RESENT, actor=actor, at=at, before=before)
        transaction.on_commit(wake_sender)
    return message
