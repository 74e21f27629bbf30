"""The outbox on PostgreSQL with real worker processes: a worker killed with SIGKILL in the
middle of a batch loses no message and, once the receiver dedupes by the delivery id (the
X-Sellerdesk-Delivery header, the message's idempotency key), delivers none twice.

Two `sellerdesk worker` processes send 200 webhook messages to a local sink (an HTTP server
in this test that records every request). Once the sink has 50 requests it holds every
answer back, so each worker is stuck in the middle of a call with a claimed batch; the test
kills the worker running the send job with SIGKILL (by the pid it started) and lets the
sink answer again. The other worker sends the rest and, when the dead worker's lease
expires, its claimed messages again with the same key.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sellerdesk.core.tasks import forget_wake_ups
from sellerdesk.notifications import outbox
from sellerdesk.notifications.models import PENDING_STATUSES, DeliveryAttempt, OutgoingMessage, WebhookEndpoint
from tests.pg.test_concurrency import run_together, url_of_the_test_database
from tests.support.clock import clocked_environment
from tests.support.workers import start_worker

MESSAGES = 200
HOLD_AFTER = 50
LEASE_SECONDS = 4
WAIT_SECONDS = 45.0


class Sink:
    """A webhook receiver on 127.0.0.1: records the delivery id of every request, answers
    200 after `delay` seconds, and holds every answer back while `gate` is closed (it closes
    it itself at the `hold_after`-th request)."""

    def __init__(self, *, delay: float = 0.005, hold_after: int = 0) -> None:
        self.deliveries: list[str] = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with sink.lock:
                    sink.deliveries.append(self.headers.get("X-Sellerdesk-Delivery", ""))
                    if len(sink.deliveries) == hold_after:
                        sink.gate.clear()
                sink.gate.wait(timeout=WAIT_SECONDS)
                time.sleep(delay)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok":true}')
                except OSError:  # the sender was killed meanwhile
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-sink", daemon=True)

    def __enter__(self) -> Sink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def count(self) -> int:
        with self.lock:
            return len(self.deliveries)


@pytest.fixture
def sink() -> Iterator[Sink]:
    with Sink(hold_after=HOLD_AFTER) as running:
        yield running


def _enqueue_webhooks(endpoint: WebhookEndpoint, count: int) -> list[str]:
    now = timezone.now()
    keys = [f"order.paid:SO{index:05d}:webhook" for index in range(count)]
    for index, key in enumerate(keys):
        outbox.enqueue(
            kind="webhook_event",
            channel="webhook",
            recipient=endpoint.url,
            key=key,
            params={"event": "order.paid", "data": {"index": index}},
            webhook=endpoint,
            at=now,
        )
    return keys


def _stop(processes: list[subprocess.Popen[str]]) -> list[str]:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    errors = []
    for process in processes:
        try:
            _out, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _out, err = process.communicate()
        errors.append(err or "")
    return errors


def _wait_for(predicate: Callable[[], bool], what: str, deadline: float) -> None:
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _sending_worker_pids() -> set[int]:
    """The pids of the workers running the send job now (their worker id ends with the pid)."""
    running = DBTaskResult.objects.filter(status="RUNNING", args_kwargs__args=[outbox.SEND_JOB])
    return {int(str(worker).rsplit("-", 1)[1]) for result in running for worker in result.worker_ids}


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_no_message_and_none_is_delivered_twice(shop: Any, sink: Sink) -> None:
    # given 200 webhook messages queued for the sink
    endpoint = WebhookEndpoint.objects.create(url=sink.url, secret="sink-secret", events=["order.paid"])
    keys = _enqueue_webhooks(endpoint, MESSAGES)
    environment = clocked_environment(
        {
            **os.environ,
            "DATABASE_URL": url_of_the_test_database(),
            "SWEEP_INTERVAL_SECONDS": "1",
            "NOTIFICATIONS_SEND_EVERY_SECONDS": "0.5",
            "NOTIFICATIONS_LEASE_SECONDS": str(LEASE_SECONDS),
            "WEBHOOK_ALLOW_LOOPBACK": "1",
        }
    )
    deadline = time.monotonic() + WAIT_SECONDS

    # when two workers send them, and the one sending while the sink holds its answers is killed
    workers = [start_worker(environment), start_worker(environment)]
    victim: subprocess.Popen[str] | None = None
    try:
        _wait_for(lambda: not sink.gate.is_set(), f"the sink's first {HOLD_AFTER} requests", deadline)
        mine = {process.pid: process for process in workers}
        _wait_for(lambda: bool(_sending_worker_pids() & set(mine)), "a worker in the send job", deadline)
        time.sleep(0.3)  # every worker's call is now waiting for its answer
        victim = mine[min(_sending_worker_pids() & set(mine))]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        sink.gate.set()
        survivor = next(process for process in workers if process is not victim)
        _wait_for(
            lambda: not OutgoingMessage.objects.filter(status__in=PENDING_STATUSES).exists(),
            "the other worker to send every message",
            deadline,
        )
        assert survivor.poll() is None, "the surviving worker exited"
    finally:
        errors = _stop(workers)

    # then every message is sent, and the sink got each one, deduplicated by the delivery id, once
    assert victim is not None and victim.returncode == -signal.SIGKILL
    assert OutgoingMessage.objects.filter(status="sent").count() == MESSAGES
    received = Counter(sink.deliveries)
    assert sorted(received) == sorted(keys)
    # the killed worker's request in flight reached the sink and was sent again, with the same key
    again = {key for key, times in received.items() if times > 1}
    assert again
    resent = OutgoingMessage.objects.filter(idempotency_key__in=again)
    assert all(message.attempts >= 2 for message in resent)
    # exactly one successful attempt is recorded per message; the killed worker's claimed
    # messages count an attempt that it never recorded
    ok = DeliveryAttempt.objects.filter(ok=True).values("message").annotate(n=Count("pk"))
    assert sorted(row["n"] for row in ok) == [1] * MESSAGES
    unrecorded = OutgoingMessage.objects.annotate(recorded=Count("delivery_attempts")).filter(
        attempts__gt=F("recorded")
    )
    assert unrecorded.filter(idempotency_key__in=again).count() == len(again)
    assert not OutgoingMessage.objects.filter(~Q(status="sent")).exists()
    survivor_errors = [error for process, error in zip(workers, errors, strict=True) if process is not victim]
    assert all("Traceback" not in error for error in survivor_errors), survivor_errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_enqueues_with_one_key_write_one_message(shop: Any) -> None:
    # given 8 threads writing the same event's message at once, each in its own transaction
    at = timezone.now()

    def write(index: int) -> int:
        with transaction.atomic():
            message = outbox.enqueue(
                kind="paid", channel="sms", recipient="13800138000", key="paid:SO-RACE:sms", text="付款成功", at=at
            )
            assert message is not None
            time.sleep(0.05)  # hold the transaction open while the others try
            return message.pk

    outcomes = run_together(8, 1, write)

    # then one row was written and every caller got it
    assert outcomes.errors == []
    assert OutgoingMessage.objects.filter(idempotency_key="paid:SO-RACE:sms").count() == 1
    assert set(outcomes.results) == {OutgoingMessage.objects.get().pk}


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_claim_the_same_message(shop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # given 60 due messages and an adapter that remembers who sent what
    at = timezone.now()
    for index in range(60):
        outbox.enqueue(
            kind="one_time_code", channel="sms", recipient="13800138000", key=f"k{index}", text="123456", at=at
        )
    sent: list[str] = []
    lock = threading.Lock()

    class Remembering:
        def send(self, message: OutgoingMessage) -> Any:
            with lock:
                sent.append(str(message.idempotency_key))
            time.sleep(0.002)
            return outbox.SendResult(ok=True, provider_message_id=f"P-{message.pk}")

    monkeypatch.setattr(outbox, "adapter_for", lambda channel: Remembering())

    # when 4 threads send at once
    outcomes = run_together(4, 1, lambda index: outbox.send_due(now=at + timedelta(seconds=1), worker=f"t{index}"))

    # then each message was sent once
    assert outcomes.errors == []
    assert sorted(sent) == sorted(f"k{index}" for index in range(60))
    assert sum(outcomes.results) == 60
    assert OutgoingMessage.objects.filter(status="sent").count() == 60


@pytest.mark.django_db(transaction=True)
def test_a_message_enqueued_in_a_request_wakes_a_worker_at_once(shop: Any) -> None:
    # given a worker whose periodic send is 30 s away (it ran once when it started)
    environment = clocked_environment(
        {
            **os.environ,
            "DATABASE_URL": url_of_the_test_database(),
            "NOTIFICATIONS_SEND_EVERY_SECONDS": "30",
            "WEBHOOK_ALLOW_LOOPBACK": "1",
        }
    )
    deadline = time.monotonic() + WAIT_SECONDS
    with Sink() as sink:
        endpoint = WebhookEndpoint.objects.create(url=sink.url, secret="sink-secret", events=["order.paid"])
        workers = [start_worker(environment)]
        try:
            _wait_for(
                lambda: DBTaskResult.objects.filter(status="SUCCESSFUL", args_kwargs__args=[outbox.SEND_JOB]).exists(),
                "the worker's first send run ",
                deadline,
            )

            # when a message is written in a transaction that commits
            forget_wake_ups()
            with transaction.atomic():
                _enqueue_webhooks(endpoint, 1)
            committed = time.monotonic()

            # then the sink has it within a few seconds, long before the periodic run
            _wait_for(lambda: sink.count() == 1, "the message to reach the sink", deadline)
            assert time.monotonic() - committed < 10
            _wait_for(lambda: OutgoingMessage.objects.get().status == "sent", "the message to be sent", deadline)
        finally:
            errors = _stop(workers)
    assert all("Traceback" not in error for error in errors), errors
