"""`make bench`, outbox: webhook deliveries per second with 2 worker processes, beside
the webhook sink's own ceiling measured in the same run.

stdout carries one JSON object per line, one per figure, and nothing else (the ceiling
first, then the figure that carries its ratio to it); progress goes to stderr.

- The sink: a small HTTP/1.1 server on 127.0.0.1 (asyncio, keep-alive, answers 200 to
  every POST), started as a process of its own and stopped by its pid. It counts the
  POSTs it received and the distinct messages among them (the `X-Sellerdesk-Delivery`
  header, the message's idempotency key, else the body), so a message delivered twice
  shows.
- ceiling_webhook_sink: --workers plain client processes POST a webhook-sized JSON body
  to the sink as fast as they can, each one request after the other with the same HTTP
  client the webhook channel uses (urllib, a new connection per POST, as the channel
  makes), for at most --ceiling-seconds or --messages requests: what the sink
  and the loopback take, with nothing of ours in the way.
- outbox_webhook_pg: on a throwaway PostgreSQL with its default settings, one webhook
  endpoint pointing to the sink, ONE message written through `outbox.enqueue` and cloned
  to --messages queued rows with INSERT … SELECT generate_series (each with its own
  idempotency key); then --workers worker processes run the outbox's `send_due` loop
  (batches of --batch) until nothing is due or --max-seconds have passed. The figure is
  deliveries per second (distinct messages the sink received, over the time from its
  first delivery to its last, as for the ceiling), with the rows left unsent, dead and the duplicates the sink saw.

Bounded: at most --messages messages and --max-seconds per part.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import clone, django_on_throwaway_postgres, emit, log  # noqa: E402

PYTHON = sys.executable
SCRIPT = Path(__file__).resolve()
# A body the size of an order event's webhook (the order, its lines, the buyer's city).
BODY = json.dumps(
    {
        "event": "order.paid",
        "order": {
            "number": "SO202612060001",
            "total": "178.00",
            "lines": [{"sku": "TEE-RED-M", "name": "纯棉圆领T恤 红色 M", "quantity": 2, "price": "89.00"}],
            "city": "杭州市",
        },
    },
    ensure_ascii=False,
).encode()


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--messages", type=int, default=5000, help="webhook messages queued (and ceiling POSTs, at most)"
    )
    # --orders: what bench/run.py passes to every script; here it means the messages.
    parser.add_argument("--orders", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (and ceiling clients)")
    parser.add_argument("--batch", type=int, default=100, help="messages a worker claims at a time")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time the workers get, at most")
    parser.add_argument("--ceiling-seconds", type=float, default=10.0, help="time the ceiling gets, at most")
    # Internal roles of this script's own child processes.
    parser.add_argument("--sink", metavar="PORT_FILE", help=argparse.SUPPRESS)
    parser.add_argument("--worker", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, default=0.0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.orders is not None:
        arguments.messages = arguments.orders
    return arguments


# --- the sink ---------------------------------------------------------------------------------


class Sink:
    """An HTTP/1.1 server that answers 200 to every POST and counts them; GET /stats
    answers the counts as JSON, POST /reset sets them to zero."""

    def __init__(self) -> None:
        self.posts = 0
        self.seen: set[str] = set()
        self.first: float | None = None
        self.last: float | None = None

    def stats(self) -> dict[str, Any]:
        return {
            "posts": self.posts,
            "distinct": len(self.seen),
            "duplicates": self.posts - len(self.seen),
            "first": self.first,
            "last": self.last,
        }

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in header_lines:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                method, path = request_line.split(" ")[:2]
                answer = b"{}"
                if method == "POST" and path == "/reset":
                    self.__init__()  # type: ignore[misc]
                elif method == "GET" and path == "/stats":
                    answer = json.dumps(self.stats()).encode()
                elif method == "POST":
                    now = time.time()
                    self.posts += 1
                    self.first = self.first or now
                    self.last = now
                    key = headers.get("x-sellerdesk-delivery")
                    self.seen.add(key or hashlib.sha1(body).hexdigest())
                closing = headers.get("connection", "").lower() == "close"
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(answer)).encode()
                    + (b"\r\nConnection: close" if closing else b"")
                    + b"\r\n\r\n"
                    + answer
                )
                await writer.drain()
                if closing:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


def run_sink(port_file: str) -> None:
    async def main() -> None:
        sink = Sink()
        server = await asyncio.start_server(sink.serve, "127.0.0.1", 0, backlog=1024)
        port = server.sockets[0].getsockname()[1]
        Path(port_file).write_text(str(port))
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with server:
            await stop.wait()

    asyncio.run(main())


@contextlib.contextmanager
def sink_process(scratch: Path) -> Iterator[str]:
    """The sink in a process of its own; yields its base URL; stopped by its pid."""
    port_file = scratch / "sink.port"
    port_file.unlink(missing_ok=True)
    process = subprocess.Popen([PYTHON, str(SCRIPT), "--sink", str(port_file)], cwd=REPO)
    log(f"sink pid {process.pid}")
    try:
        deadline = time.monotonic() + 20
        while not port_file.exists() or not port_file.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the webhook sink did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text()}"
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all cores, all processes), from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _busy_cores(busy_before: float, started: float) -> float:
    """Cores (of the machine's) busy on average since `started`: this run's processes and
    any other work on the machine; near the core count, a figure is bounded by the CPU."""
    return round((machine_busy_seconds() - busy_before) / max(time.time() - started, 1e-6), 2)


def _span(stats: dict[str, Any]) -> float:
    """Seconds from the sink's first POST to its last: the processes' start-up (Python,
    Django) is left out of both figures alike, so a rate is (POSTs − 1) / span."""
    return max((stats["last"] or 0) - (stats["first"] or 0), 1e-6)


def sink_stats(base: str, *, reset: bool = False) -> dict[str, Any]:
    request = urllib.request.Request(f"{base}/reset", data=b"", method="POST") if reset else f"{base}/stats"
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"{}")


# --- the ceiling: a plain client -----------------------------------------------------------------


def run_client(url: str, count: int, deadline: float) -> None:
    """POST BODY to `url` `count` times or until `deadline`, one after the other."""
    opener = urllib.request.build_opener()
    for number in range(count):
        if time.time() > deadline:
            break
        # A new connection per POST (urllib keeps none), as the webhook channel makes.
        request = urllib.request.Request(
            url,
            data=BODY,
            method="POST",
            headers={"Content-Type": "application/json", "X-Sellerdesk-Delivery": f"{os.getpid()}-{number}"},
        )
        with opener.open(request, timeout=10) as answer:
            answer.read()


def ceiling(base: str, options: argparse.Namespace) -> dict[str, Any]:
    sink_stats(base, reset=True)
    per_client = -(-options.messages // options.workers)
    busy_before = machine_busy_seconds()
    started = time.time()
    deadline = started + options.ceiling_seconds
    clients = [
        subprocess.Popen(
            [
                PYTHON,
                str(SCRIPT),
                "--client",
                f"{base}/hook",
                "--messages",
                str(per_client),
                "--deadline",
                str(deadline),
            ],
            cwd=REPO,
        )
        for _ in range(options.workers)
    ]
    for client in clients:
        client.wait(timeout=options.ceiling_seconds + 60)
    busy = _busy_cores(busy_before, started)
    stats = sink_stats(base)
    seconds = _span(stats)
    return {
        "bench": "ceiling_webhook_sink",
        "requests_per_s": round(max(stats["posts"] - 1, 0) / seconds, 1),
        "requests": stats["posts"],
        "clients": options.workers,
        "client": "urllib, a new connection per POST",
        "seconds": round(seconds, 2),
        "machine_busy_cores": busy,
    }


# --- the outbox -------------------------------------------------------------------------------------


def run_worker(name: str, batch: int, deadline: float) -> None:
    """The outbox's send loop in this process until nothing is due or `deadline`."""
    import django

    django.setup()
    from django.utils import timezone

    from sellerdesk.notifications import outbox
    from sellerdesk.notifications.models import OutgoingMessage

    idle = 0
    while time.time() < deadline:
        if outbox.send_due(now=timezone.now(), limit=batch, worker=name):
            idle = 0
            continue
        idle += 1
        # Nothing claimable: done when nothing is pending any more (the other worker may
        # hold the last batch, or a retry may be due soon).
        if idle > 3 and not OutgoingMessage.objects.filter(status__in=("queued", "retrying", "sending")).exists():
            return
        time.sleep(0.05)


def setup(count: int, sink_url: str) -> int:
    """The endpoint and `count` queued webhook messages to it; returns the template's id."""
    from django.db import connection, transaction
    from django.utils import timezone

    from sellerdesk.notifications import outbox
    from sellerdesk.notifications.models import WebhookEndpoint

    now = timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            url=f"{sink_url}/hook", secret="bench-secret", events=["order.paid"], description="bench sink"
        )
        message = outbox.enqueue(
            kind="webhook_event",
            channel="webhook",
            recipient=endpoint.url,
            key="bench:0",
            text=BODY.decode(),
            params={"event": "order.paid"},
            webhook=endpoint,
            at=now,
        )
        assert message is not None
        with connection.cursor() as cursor:
            clone(
                cursor,
                "notifications_outgoingmessage",
                message.pk,
                count - 1,
                {"idempotency_key": "'bench:' || g"},
            )
        return message.pk


def outbox_figure(base: str, options: argparse.Namespace, ceiling_figure: dict[str, Any]) -> dict[str, Any]:
    from django.db import connections

    from sellerdesk.notifications.models import DeliveryAttempt, OutgoingMessage

    setup(options.messages, base)
    connections.close_all()
    sink_stats(base, reset=True)
    busy_before = machine_busy_seconds()
    started = time.time()
    deadline = started + options.max_seconds
    workers = [
        subprocess.Popen(
            [
                PYTHON,
                str(SCRIPT),
                "--worker",
                f"bench-{number}",
                "--batch",
                str(options.batch),
                "--deadline",
                str(deadline),
            ],
            cwd=REPO,
        )
        for number in range(1, options.workers + 1)
    ]
    for worker in workers:
        worker.wait(timeout=options.max_seconds + 60)
    busy = _busy_cores(busy_before, started)
    stats = sink_stats(base)
    seconds = _span(stats)
    by_status: dict[str, int] = {}
    for status in OutgoingMessage.objects.values_list("status", flat=True):
        by_status[status] = by_status.get(status, 0) + 1
    per_second = max(stats["distinct"] - 1, 0) / seconds
    return {
        "bench": "outbox_webhook_pg",
        "deliveries_per_s": round(per_second, 1),
        "messages": options.messages,
        "delivered": stats["distinct"],
        "posts": stats["posts"],
        "duplicates": stats["duplicates"],
        "sent": by_status.get("sent", 0),
        "dead": by_status.get("dead", 0),
        "left_pending": sum(by_status.get(status, 0) for status in ("queued", "retrying", "sending")),
        "attempts": DeliveryAttempt.objects.count(),
        "workers": options.workers,
        "batch": options.batch,
        "seconds": round(seconds, 2),
        "machine_busy_cores": busy,
        "cores": os.cpu_count(),
        "ratio_to_ceiling_webhook_sink": round(per_second / ceiling_figure["requests_per_s"], 3)
        if ceiling_figure["requests_per_s"]
        else None,
    }


def main() -> None:
    arguments = options()
    if arguments.sink:
        run_sink(arguments.sink)
        return
    if arguments.client:
        run_client(arguments.client, arguments.messages, arguments.deadline)
        return
    if arguments.worker:
        run_worker(arguments.worker, arguments.batch, arguments.deadline)
        return
    # The sink listens on 127.0.0.1, which the webhook channel refuses unless told.
    os.environ["WEBHOOK_ALLOW_LOOPBACK"] = "1"
    with django_on_throwaway_postgres("outbox"):
        from django.core.management import call_command

        scratch = Path(os.environ["SELLERDESK_VAR_DIR"])
        started = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        log(f"migrated in {time.monotonic() - started:.1f} s")
        with sink_process(scratch) as base:
            bounds = f"at most {arguments.messages} POSTs, {arguments.ceiling_seconds} s"
            log(f"ceiling: {arguments.workers} clients, {bounds}")
            ceiling_figure = ceiling(base, arguments)
            emit(ceiling_figure)
            log(
                f"outbox: {arguments.messages} messages, {arguments.workers} workers, at most {arguments.max_seconds} s"
            )
            emit(outbox_figure(base, arguments, ceiling_figure))


if __name__ == "__main__":
    main()
