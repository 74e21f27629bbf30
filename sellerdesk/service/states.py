"""The conversation's transition table, free of the database.

open ⇄ pending (waiting for the buyer) / snoozed (until a time); any of them → resolved;
resolved → open again when the buyer writes or an agent sends into it. A buyer's message
wakes a pending or snoozed conversation (the clocks resume).
"""

from __future__ import annotations

from enum import StrEnum

from sellerdesk.core.transitions import TransitionTable
from sellerdesk.service.models import ConversationStatus


class ConversationAction(StrEnum):
    # The agent waits for the buyer's answer (the service-level clocks pause).
    WAIT = "wait"
    SNOOZE = "snooze"
    RESOLVE = "resolve"
    # The buyer wrote, the snooze ran out, or an agent picked it up again.
    REOPEN = "reopen"


S, A = ConversationStatus, ConversationAction

TRANSITIONS: dict[tuple[ConversationStatus, ConversationAction], ConversationStatus] = {
    (S.OPEN, A.WAIT): S.PENDING,
    (S.OPEN, A.SNOOZE): S.SNOOZED,
    (S.OPEN, A.RESOLVE): S.RESOLVED,
    (S.PENDING, A.REOPEN): S.OPEN,
    (S.PENDING, A.SNOOZE): S.SNOOZED,
    (S.PENDING, A.RESOLVE): S.RESOLVED,
    (S.SNOOZED, A.REOPEN): S.OPEN,
    (S.SNOOZED, A.WAIT): S.PENDING,
    (S.SNOOZED, A.RESOLVE): S.RESOLVED,
    (S.RESOLVED, A.REOPEN): S.OPEN,
}

TABLE: TransitionTable[ConversationStatus, ConversationAction] = TransitionTable(
    entity="conversation", statuses=ConversationStatus, moves=TRANSITIONS
)
next_status = TABLE.next_status
allows = TABLE.allows
allowed_actions = TABLE.allowed_actions
target_of = TABLE.target_of

# Conversations an agent is working on: what counts against their cap of chats.
ACTIVE_STATUSES = frozenset({S.OPEN, S.PENDING, S.SNOOZED})
