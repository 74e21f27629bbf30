"""The service desk's periodic jobs (core.periodic), each safe to run from several
workers at once (every item is claimed by locking its conversation and re-checked):

- "service.snoozes": snoozed conversations whose time came are opened again (the clocks
  resume);
- "service.sla": clocks past their due time are breached, alerted and escalated; clocks
  near it are marked due soon (service.sla.sweep);
- "service.routing": conversations nobody has are given to agents with room, the
  longest-waiting first (service.routing.route_waiting);
- "service.retention": resolved conversations older than SERVICE RETENTION_DAYS are
  deleted (service.archive.purge).

They run in that order: a woken conversation's clocks count before the breach check,
and routing sees the sweep's escalations.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from sellerdesk.core.periodic import periodic
from sellerdesk.service import archive, conversations, routing, sla
from sellerdesk.service.models import Conversation, ConversationStatus


@periodic("service.snoozes", every=timedelta(minutes=1))
def wake_snoozed(now: datetime) -> int:
    """Open the snoozed conversations whose snooze ended by `now`."""
    size = int(settings.SELLERDESK.get("SWEEP_BATCH_SIZE", 200))
    due = list(
        Conversation.objects.filter(status=ConversationStatus.SNOOZED, snoozed_until__lte=now)
        .order_by("snoozed_until", "pk")
        .values_list("pk", flat=True)[:size]
    )
    skip_locked = connection.features.has_select_for_update_skip_locked
    woken = 0
    for conversation_id in due:
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update(skip_locked=skip_locked)
                .filter(pk=conversation_id, status=ConversationStatus.SNOOZED, snoozed_until__lte=now)
                .first()
            )
            if conversation is None:
                continue  # woken by the buyer, snoozed again, or another worker's
            conversations.reopen(conversation=conversation, actor=None, at=now)
            woken += 1
    return woken


@periodic("service.sla", every=timedelta(minutes=1), after=("service.snoozes",))
def sweep_sla(now: datetime) -> int:
    """Breach the clocks past due (alert, escalate) and mark those near it."""
    return sla.sweep(now=now)


@periodic("service.routing", every=timedelta(minutes=1), after=("service.sla",))
def route_waiting(now: datetime) -> int:
    """Give waiting conversations to agents with room, longest-waiting first."""
    return routing.route_waiting(now=now)


@periodic("service.retention", every=timedelta(hours=1))
def purge_old_conversations(now: datetime) -> int:
    """Delete the resolved conversations kept longer than SERVICE RETENTION_DAYS (the chat
    archive's retention; service.archive.purge)."""
    return archive.purge(now=now)
