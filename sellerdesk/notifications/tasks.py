"""Background work of notifications: sending the outbox's due messages."""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from sellerdesk.core.periodic import periodic
from sellerdesk.notifications import outbox

# How long one run keeps sending while messages are due, before it lets the next run (maybe
# another worker's) continue: the worker's other jobs are not starved by a long queue.
RUN_BUDGET_SECONDS = 20.0


def _worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[:64]


@periodic(
    outbox.SEND_JOB,
    every=timedelta(seconds=float(settings.SELLERDESK.get("NOTIFICATIONS", {}).get("SEND_EVERY_SECONDS", 2))),
)
def send_messages(now: datetime) -> int:
    """Send the messages due (outbox.send_due) batch after batch until none is due or the
    run's budget is spent. Returns how many messages were tried."""
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    worker = _worker_name()
    tried = 0
    while time.monotonic() < deadline:
        done = outbox.send_due(now=timezone.now(), limit=100, worker=worker)
        tried += done
        if done < 100:
            break
    return tried
