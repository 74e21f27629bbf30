"""Several web and worker processes against one PostgreSQL: no work duplicated, none lost.

Two `sellerdesk worker` processes run the periodic jobs while a gunicorn with two web
processes takes orders over HTTP; every expired order is closed exactly once and every
accepted order is stored exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count
from django_tasks_db.models import DBTaskResult

from sellerdesk.orders.models import Order, OrderEvent, OrderEventType
from sellerdesk.orders.states import OrderStatus
from tests.factories import make_sku, make_token, make_user
from tests.pg.test_concurrency import place_expired_orders, url_of_the_test_database
from tests.support.clock import clocked_environment
from tests.support.pgserver import free_port

REPO = Path(__file__).resolve().parents[2]
EXPIRED = 200
NEW_ORDERS = 100
WAIT_SECONDS = 90.0


def _start(command: list[str], environment: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, cwd=REPO, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


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
        errors.append(err)
    return errors


def _post(url: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        # As long as the test waits for anything: a web process's first request loads every
        # view, which on a busy machine (the whole suite beside it) took over 30 s in CI.
        with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError as error:  # a timeout or a refused connection: shown by the assertion
        return 0, {"error": repr(error)}


def _wait_for(predicate: Any, what: str, processes: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        crashed = [process.args for process in processes if process.poll() is not None]
        assert not crashed, f"exited early: {crashed}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_web_and_worker_processes_share_the_work_without_duplicates(shop: Any) -> None:
    # given expired unpaid orders, a SKU with stock and an agent's token
    place_expired_orders(EXPIRED)
    make_sku("PROC-1", price="10.00", stock=NEW_ORDERS)
    token = make_token(make_user("web-agent", "agent"))
    port = free_port()
    # The processes run on this test's clock (tests/support/clock.py): to the workers the
    # orders placed 8 days before it are expired, whatever the machine's date.
    environment = clocked_environment(
        {**os.environ, "DATABASE_URL": url_of_the_test_database(), "SWEEP_INTERVAL_SECONDS": "1"}
    )
    clocked = [sys.executable, "-m", "tests.support.clocked"]
    processes = [
        _start([*clocked, "sellerdesk.cli", "worker", "--interval", "0.2"], environment),
        _start([*clocked, "sellerdesk.cli", "worker", "--interval", "0.2"], environment),
        _start(
            [
                *clocked,
                "gunicorn",
                "sellerdesk.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "2",
                "--log-level",
                "warning",
            ],
            environment,
        ),
    ]
    answers: list[tuple[int, dict[str, Any]]] = []
    try:
        _wait_for(lambda: _port_open(port), "gunicorn", processes)

        # when orders arrive over HTTP from 4 clients while the workers sweep
        lock = threading.Lock()

        def client(first: int) -> None:
            for index in range(first, NEW_ORDERS, 4):
                answer = _post(
                    f"http://127.0.0.1:{port}/api/v1/orders",
                    token,
                    {
                        "external_id": f"PROC-{index}",
                        "buyer": {"name": "进程测试", "phone": "13800138000", "nickname": f"proc{index}"},
                        "address": "浙江省杭州市西湖区文三路90号",
                        "lines": [{"sku": "PROC-1", "quantity": 1}],
                    },
                )
                with lock:
                    answers.append(answer)

        clients = [threading.Thread(target=client, args=(first,)) for first in range(4)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=WAIT_SECONDS)
        _wait_for(
            lambda: not Order.objects.filter(status=OrderStatus.UNPAID, external_id="").exists(),
            "the workers to close the expired orders",
            processes,
        )
    finally:
        errors = _stop(processes)

    # then every accepted order is stored once, and every expired order closed once
    assert sorted(status for status, _body in answers) == [201] * NEW_ORDERS
    numbers = [body["number"] for _status, body in answers]
    assert len(set(numbers)) == NEW_ORDERS
    assert Order.objects.filter(external_id__startswith="PROC-").count() == NEW_ORDERS
    assert sorted(Order.objects.filter(external_id__startswith="PROC-").values_list("number", flat=True)) == sorted(
        numbers
    )
    assert Order.objects.filter(external_id="", status=OrderStatus.CLOSED).count() == EXPIRED
    closed = OrderEvent.objects.filter(type=OrderEventType.CLOSED)
    assert closed.count() == EXPIRED
    assert not closed.values("order").annotate(n=Count("pk")).filter(n__gt=1).exists()
    placed = OrderEvent.objects.filter(type=OrderEventType.PLACED, order__external_id__startswith="PROC-")
    assert placed.count() == NEW_ORDERS
    assert not DBTaskResult.objects.filter(status="FAILED").exists()
    assert all("Traceback" not in error for error in errors), errors


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0
