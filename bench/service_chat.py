"""`make bench`, service chat: message delivery to 200 concurrent chats' sockets, beside a
bare websocket echo server measured in the same run.

stdout carries one JSON object per line, one per figure (the ceiling first); progress goes
to stderr. Everything runs on this machine's loopback, started here and stopped by pid:

- ceiling_websocket_echo: a bare `websockets` echo server (a process of its own, nothing
  of ours); --chats client connections each send a timestamped frame and wait for it to
  come back, --rounds times: the round trip's p50/p99 (two hops: an upper bound on what
  one hop through a websocket server can take here).
- service_chat_layer_redis: `sellerdesk serve`'s web server (gunicorn, 2 uvicorn workers,
  the ASGI application) on the Redis channel layer (redis-server on a free port) and a
  migrated SQLite database with --chats buyers, each signed in to the portal with their
  web chat's socket open (/ws/chat/). This process sends events through the channel layer
  to every buyer's group (as service.realtime does after a commit), --rounds times: the
  delivery latency from the layer's group_send to the buyer's socket, p50/p99, and the
  events lost.
- service_chat_reply_http: the agent's replies through the HTTP API (POST
  /api/v1/service/conversations/{id}/messages, --http-clients at once) to the same chats,
  --replies-per-chat each: from the POST's start to the buyer's socket (the write — the
  forbidden-phrase check, the SLA clocks, the commit — and the delivery), p50/p99, and
  the API's own answer time.

Bounded: --rounds rounds, --replies-per-chat replies per chat, and --max-seconds per part.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import emit, log  # noqa: E402

PYTHON = sys.executable
SCRIPT = Path(__file__).resolve()
REDIS_SERVER = "/usr/bin/redis-server"
WAIT_SECONDS = 120.0


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--orders", type=int, default=None, help="as --chats (bench/run.py passes it)")
    parser.add_argument("--rounds", type=int, default=10, help="events per chat through the layer (and echoes)")
    parser.add_argument("--replies-per-chat", type=int, default=2)
    parser.add_argument("--http-clients", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--echo-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.orders:
        arguments.chats = arguments.orders
    return arguments


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with socket.socket() as probe:
            probe.settimeout(0.2)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited ({process.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p99_ms": round(p99 * 1000, 2)}


def busy_cores() -> float:
    return round(os.getloadavg()[0], 2)


# --- the ceiling: a bare echo server ---------------------------------------------------------


def serve_echo(port: int) -> None:
    from websockets.asyncio.server import serve

    async def echo(connection: Any) -> None:
        async for frame in connection:
            await connection.send(frame)

    async def main() -> None:
        async with serve(echo, "127.0.0.1", port, compression=None, max_queue=None):
            await asyncio.Future()

    asyncio.run(main())


async def measure_echo(port: int, chats: int, rounds: int, deadline: float) -> list[float]:
    from websockets.asyncio.client import connect

    sockets = [await connect(f"ws://127.0.0.1:{port}/", compression=None) for _ in range(chats)]
    latencies: list[float] = []
    try:

        async def one(connection: Any) -> None:
            sent = time.perf_counter()
            await connection.send(json.dumps({"type": "message", "sent": sent, "body": "亲，今天就给您发货"}))
            await connection.recv()
            latencies.append(time.perf_counter() - sent)

        for _ in range(rounds):
            if time.monotonic() > deadline:
                break
            await asyncio.gather(*(one(connection) for connection in sockets))
    finally:
        for connection in sockets:
            await connection.close()
    return latencies


def ceiling(arguments: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    server = subprocess.Popen([PYTHON, str(SCRIPT), "--echo-server", str(port)], cwd=REPO, stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, "the echo server", server)
        latencies = asyncio.run(
            measure_echo(port, arguments.chats, arguments.rounds, time.monotonic() + arguments.max_seconds)
        )
    finally:
        stop(server)
    return {
        "bench": "ceiling_websocket_echo",
        "chats": arguments.chats,
        "messages": len(latencies),
        **percentiles(latencies),
        "what": "round trip through a bare websockets echo server",
        "busy_cores": busy_cores(),
    }


# --- sellerdesk: the database, the server, the sockets ---------------------------------------


def set_up_django(scratch: Path, redis_url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{scratch / 'sellerdesk.sqlite3'}",
            "SELLERDESK_VAR_DIR": str(scratch),
            "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "sellerdesk.settings",
            "DEBUG": "0",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    log("service_chat: migrating a fresh SQLite database")
    call_command("migrate", "--noinput", verbosity=0)


def seed(chats: int) -> tuple[str, list[tuple[int, int, str]]]:
    """An agent's API token, and per chat: (customer id, conversation id, session key)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from sellerdesk.core.models import ApiToken, User, hash_token
    from sellerdesk.customers.models import Customer
    from sellerdesk.portal import auth as portal_auth
    from sellerdesk.service import conversations
    from sellerdesk.shops.models import Shop

    shop, _ = Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    agent = User.objects.create_user(username="bench-agent", password="x", role="agent", display_name="阿华")
    raw = ApiToken.generate()
    ApiToken.objects.create(user=agent, key_hash=hash_token(raw), prefix=raw[:8])
    rows = []
    for index in range(chats):
        customer = Customer.objects.create(
            shop=shop, identity=f"bench{index}", name=f"买家{index}", nickname=f"bench{index}"
        )
        conversation = conversations.open_conversation(shop=shop, channel="web", customer=customer)
        session = SessionStore()
        session[portal_auth.SESSION_KEY] = {
            "customer_id": customer.pk,
            "order": "",
            "at": timezone.now().isoformat(),
        }
        session.create()
        rows.append((customer.pk, conversation.pk, str(session.session_key)))
    return raw, rows


class Chats:
    """--chats buyer sockets; every message event's arrival time by its id."""

    def __init__(self, port: int, rows: list[tuple[int, int, str]]) -> None:
        self.port = port
        self.rows = rows
        self.sockets: list[Any] = []
        self.arrivals: dict[Any, float] = {}
        self.tasks: list[asyncio.Task[None]] = []

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        for _customer, conversation, session in self.rows:
            connection = await connect(
                f"ws://127.0.0.1:{self.port}/ws/chat/",
                additional_headers={"Cookie": f"sessionid={session}", "Origin": f"http://127.0.0.1:{self.port}"},
                open_timeout=60,
                compression=None,
            )
            await connection.send(json.dumps({"type": "subscribe", "conversation": conversation}))
            self.sockets.append(connection)
            self.tasks.append(asyncio.create_task(self.listen(connection)))

    async def listen(self, connection: Any) -> None:
        try:
            async for frame in connection:
                event = json.loads(frame)
                if event.get("type") == "message":
                    self.arrivals[event["message"]["id"]] = time.time()
        except Exception:
            return

    async def wait_for(self, keys: list[Any], deadline: float) -> None:
        while time.monotonic() < deadline and any(key not in self.arrivals for key in keys):
            await asyncio.sleep(0.005)

    async def close(self) -> None:
        for connection in self.sockets:
            await connection.close()
        for task in self.tasks:
            task.cancel()


async def through_the_layer(
    chats: Chats, rows: list[tuple[int, int, str]], rounds: int, deadline: float
) -> dict[str, Any]:
    from channels.layers import get_channel_layer

    from sellerdesk.service import realtime

    layer = get_channel_layer()
    sent: dict[Any, float] = {}
    # As many sends at once as the layer's connection pool takes (web processes publish
    # from a few request threads at a time, never hundreds at once).
    gate = asyncio.Semaphore(16)

    async def send(group: str, key: str, event: dict[str, Any]) -> None:
        async with gate:
            sent[key] = time.time()
            await layer.group_send(group, {"type": realtime.EVENT_TYPE, "event": event})

    for round_ in range(rounds):
        if time.monotonic() > deadline:
            break
        keys = []
        sends = []
        for index, (customer, conversation, _session) in enumerate(rows):
            key = f"bench-{round_}-{index}"
            event = {
                "type": "message",
                "conversation": conversation,
                "message": {
                    "id": key,
                    "kind": "agent",
                    "body": "亲，今天就给您发货",
                    "author": "阿华",
                    "created_at": "",
                    "attachments": [],
                },
            }
            keys.append(key)
            sends.append(send(realtime.buyer_group(customer), key, event))
        await asyncio.gather(*sends)
        await chats.wait_for(keys, min(deadline, time.monotonic() + 10))
    latencies = [chats.arrivals[key] - at for key, at in sent.items() if key in chats.arrivals]
    return {
        "messages": len(sent),
        "delivered": len(latencies),
        "lost": len(sent) - len(latencies),
        **percentiles(latencies),
    }


def post_reply(port: int, token: str, conversation: int, body: str) -> tuple[int, float, float]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/service/conversations/{conversation}/messages",
        data=json.dumps({"body": body}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    started = time.time()
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    return int(answer["id"]), started, time.time() - started


async def through_http(
    chats: Chats, port: int, token: str, rows: list[tuple[int, int, str]], per_chat: int, clients: int, deadline: float
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    started: dict[int, float] = {}
    answers: list[float] = []
    lock = threading.Lock()

    def one(conversation: int, number: int) -> None:
        if time.monotonic() > deadline:
            return
        message_id, at, took = post_reply(port, token, conversation, f"亲，您的订单今天下午发货（{number}）")
        with lock:
            started[message_id] = at
            answers.append(took)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        work = [
            loop.run_in_executor(pool, one, conversation, number)
            for number in range(per_chat)
            for _customer, conversation, _session in rows
        ]
        await asyncio.gather(*work)
    await chats.wait_for(list(started), min(deadline + 10, time.monotonic() + 10))
    latencies = [chats.arrivals[key] - at for key, at in started.items() if key in chats.arrivals]
    return {
        "replies": len(started),
        "delivered": len(latencies),
        "lost": len(started) - len(latencies),
        **percentiles(latencies),
        "http": percentiles(answers),
    }


def main() -> None:
    arguments = options()
    if arguments.echo_server:
        serve_echo(arguments.echo_server)
        return
    if not Path(REDIS_SERVER).exists():
        raise SystemExit("bench: redis-server is not installed (scripts/system-deps installs it)")
    echo = ceiling(arguments)
    emit(echo)

    scratch = Path(tempfile.mkdtemp(prefix="sellerdesk-bench-chat-"))
    redis_port = free_port()
    redis = subprocess.Popen(
        [REDIS_SERVER, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=scratch,
        stdout=subprocess.DEVNULL,
    )
    web: subprocess.Popen[bytes] | None = None
    try:
        wait_for_port(redis_port, "redis-server", redis)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        set_up_django(scratch, redis_url)
        token, rows = seed(arguments.chats)
        from sellerdesk.core.management.commands.serve import web_command

        port = free_port()
        # Its access log would go to stdout, which carries the figures only.
        web = subprocess.Popen(
            web_command(host="127.0.0.1", port=port, workers=2),
            cwd=REPO,
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(port, "the web server", web)
        log(f"service_chat: {arguments.chats} buyer sockets on :{port} (2 uvicorn workers, Redis layer)")

        async def run() -> tuple[dict[str, Any], dict[str, Any]]:
            # Warm both workers up (the first reply of a process loads the phrase list and
            # the intent model): not measured.
            await asyncio.gather(
                *(asyncio.to_thread(post_reply, port, token, rows[0][1], "亲，在的") for _ in range(4))
            )
            chats = Chats(port, rows)
            await chats.open()
            await asyncio.sleep(1)  # every subscription answered
            try:
                layer = await through_the_layer(chats, rows, arguments.rounds, time.monotonic() + arguments.max_seconds)
                http = await through_http(
                    chats,
                    port,
                    token,
                    rows,
                    arguments.replies_per_chat,
                    arguments.http_clients,
                    time.monotonic() + arguments.max_seconds,
                )
            finally:
                await chats.close()
            return layer, http

        layer, http = asyncio.run(run())
    finally:
        if web is not None:
            stop(web)
        stop(redis)
        shutil.rmtree(scratch, ignore_errors=True)

    def ratio(figure: dict[str, Any], name: str) -> float | None:
        return round(figure[name] / echo[name], 2) if echo[name] else None

    emit(
        {
            "bench": "service_chat_layer_redis",
            "chats": arguments.chats,
            **layer,
            "p50_ratio_to_ceiling": ratio(layer, "p50_ms"),
            "p99_ratio_to_ceiling": ratio(layer, "p99_ms"),
            "busy_cores": busy_cores(),
        }
    )
    http_answer = http.pop("http")
    emit(
        {
            "bench": "service_chat_reply_http",
            "chats": arguments.chats,
            "http_clients": arguments.http_clients,
            **http,
            "api_p50_ms": http_answer["p50_ms"],
            "api_p99_ms": http_answer["p99_ms"],
            "p50_ratio_to_ceiling": ratio(http, "p50_ms"),
            "p99_ratio_to_ceiling": ratio(http, "p99_ms"),
            "database": "sqlite",
            "busy_cores": busy_cores(),
        }
    )


if __name__ == "__main__":
    main()
