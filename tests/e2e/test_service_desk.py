"""The service desk in a browser, two browser contexts at once against the ASGI app
(websockets): the buyer writes in the portal's chat (/service/chat/), the agent's desk
shows it without reloading; the agent inserts the quick reply ";wl" filled with the
order's tracking number and sends it with Ctrl+Enter; the buyer sees it without
reloading; the agent types a forbidden phrase, is stopped, sees the polite wording and
takes it. Then the desk at 390 px wide: one column, nothing wider than the screen.

pytest-django's live server speaks WSGI only; here uvicorn serves sellerdesk.asgi in a
thread of this process, on the test's in-memory database (shared as Django's own live
server shares it), and is stopped when the test ends.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.service import forbidden
from sellerdesk.service.models import Conversation, Message, QuickReply
from sellerdesk.shops.models import Shop
from tests.aftersales.builders import shipped_order
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, playwright_on_the_test_database
from tests.factories import make_sku, make_user

PHONE = "13800138000"
TRACKING = "SF1234567890"


def order_conversation_id(order: Any) -> int:
    return int(Conversation.objects.get(customer_id=order.customer_id).pk)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def asgi_server(transactional_db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """sellerdesk.asgi served by uvicorn on 127.0.0.1 in a thread; its URL.

    An in-memory SQLite database lives in its connection, and a second connection to it
    (shared cache) meets "database table is locked" instead of waiting. So, as Django's
    own live server does, the server uses the test's connection: Django's connections
    are per thread, and the sync code of every request and socket runs in asgiref's one
    thread for thread-sensitive work, which is given the test's connection (Django's
    per-request ThreadSensitiveContext, which would give each request a thread and a
    connection of its own, is left out). A connection opened anyway fails the test."""
    import contextlib

    import uvicorn
    from asgiref.sync import SyncToAsync, sync_to_async
    from django.core.handlers import asgi as django_asgi
    from django.db import connections
    from django.db.backends.signals import connection_created

    from sellerdesk.asgi import application

    shared = {
        alias: connection
        for alias, connection in ((alias, connections[alias]) for alias in connections)
        if connection.vendor == "sqlite" and connection.is_in_memory_db()
    }
    for connection in shared.values():
        connection.inc_thread_sharing()
    monkeypatch.setattr(django_asgi, "ThreadSensitiveContext", contextlib.AsyncExitStack)
    opened_elsewhere: list[str] = []

    def note_a_new_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
        if connection.alias in shared and connection is not shared[connection.alias]:
            opened_elsewhere.append(threading.current_thread().name)

    connection_created.connect(note_a_new_connection)

    def share() -> None:
        for alias, connection in shared.items():
            connections[alias] = connection

    shared_in_worker = threading.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not shared_in_worker.is_set():
            await sync_to_async(share, thread_sensitive=True)()
            shared_in_worker.set()
        await application(scope, receive, send)

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, name="asgi-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        connection_created.disconnect(note_a_new_connection)

        def unshare() -> None:
            for alias in shared:
                del connections[alias]

        # The worker thread outlives this test: it must not keep the test's connection.
        if shared_in_worker.is_set():
            SyncToAsync.single_thread_executor.submit(unshare).result(timeout=10)
        for connection in shared.values():
            connection.dec_thread_sharing()
    assert not opened_elsewhere, f"the server opened its own database connections in {opened_elsewhere}"


@pytest.fixture
def patient_expect() -> Iterator[None]:
    # Live delivery crosses two browsers, a socket and the server: more than expect's 5 s
    # default on a busy 2-core machine.
    expect.set_options(timeout=15_000)
    try:
        yield
    finally:
        expect.set_options(timeout=5_000)


@pytest.fixture
def browser(patient_expect: None) -> Iterator[Any]:
    with playwright_on_the_test_database() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def context_page(browser: Any, width: int, height: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.mark.e2e
def test_buyer_and_agent_chat_live_with_a_quick_reply_and_a_forbidden_phrase(
    asgi_server: str, browser: Any, settings: Any, tmp_path: Path
) -> None:
    # An agent whose socket closed is offline at once (no grace to wait out at the end).
    service = {**settings.SELLERDESK.get("SERVICE", {}), "OFFLINE_GRACE_SECONDS": 0}
    settings.SELLERDESK = {**settings.SELLERDESK, "PORTAL_SHOW_CODES": True, "SERVICE": service}
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("TEE-M", name="纯棉T恤 M", price="59.00", stock=10)
    order = shipped_order(("TEE-M", 1), tracking_number=TRACKING, buyer=order_actions.Buyer("王小丽", PHONE, "xiaoli"))
    make_user("hua", "agent", "阿华")
    now = order.created_at
    QuickReply.objects.create(
        title="物流单号", shortcut="wl", body="亲，您的快递单号是 {tracking_number}", created_at=now, updated_at=now
    )
    forbidden.seed_phrases()
    errors: list[str] = []

    # The agent opens the desk (every conversation) and its socket connects.
    agent = context_page(browser, 1440, 900)
    agent.on("pageerror", lambda error: errors.append(str(error)))
    agent.goto(f"{asgi_server}{reverse('login')}?next=/service/%3Fview%3Dall")
    agent.get_by_label("用户名").fill("hua")
    agent.get_by_label("密码").fill("pw-hua")
    agent.get_by_role("button", name="登录").click()
    expect(agent.locator("[data-desk]")).to_be_visible()
    expect(agent.locator("html")).to_have_attribute("data-live", "open")
    agent.evaluate("window.__notReloaded = true")

    # The buyer signs in to the portal on a phone and writes in the chat.
    buyer = context_page(browser, 390, 844)
    buyer.on("pageerror", lambda error: errors.append(str(error)))
    buyer.goto(f"{asgi_server}/portal/sign-in/")
    buyer.locator("#id_order_number").fill(order.number)
    buyer.locator("#id_phone").fill(PHONE)
    buyer.locator("#send-code").click()
    code = buyer.locator("#shown-code .code-shown").inner_text().strip()
    buyer.locator("#id_code").fill(code)
    buyer.locator("#sign-in").click()
    buyer.wait_for_url(lambda url: "/sign-in/" not in url)
    buyer.goto(f"{asgi_server}/service/chat/?order={order.number}")
    buyer.locator("#chat-body").fill("你好，我的快递到哪了？")
    buyer.locator("#chat-send").click()

    # It reaches the agent's inbox without a reload.
    row = agent.locator("[data-inbox-row]", has_text="我的快递到哪了")
    expect(row).to_be_visible()
    assert agent.evaluate("window.__notReloaded") is True

    # The help overlay lists the keys ("?" while nothing is being typed; asked here, before
    # any reply: after one, the page puts the focus back into the composer when the
    # answer comes, and a "?" typed then rightly lands in the box).
    agent.keyboard.press("?")
    expect(agent.locator("[data-help]")).to_be_visible()
    agent.keyboard.press("Escape")
    expect(agent.locator("[data-help]")).to_be_hidden()

    # The agent opens it (keyboard: j, Enter) and answers with the quick reply ";wl".
    agent.keyboard.press("j")
    agent.keyboard.press("Enter")
    expect(agent.get_by_test_id("message").filter(has_text="我的快递到哪了")).to_be_visible()
    box = agent.get_by_test_id("reply-box")
    agent.keyboard.press("r")
    expect(box).to_be_focused()
    box.press_sequentially(";wl")
    box.press(" ")
    expect(box).to_have_value(f"亲，您的快递单号是 {TRACKING}")
    box.press("Control+Enter")
    expect(agent.get_by_test_id("message").filter(has_text=TRACKING)).to_be_visible()

    # The buyer sees it without reloading.
    expect(buyer.locator("#chat-thread")).to_contain_text(TRACKING)
    assert Message.objects.filter(kind="agent", body__contains=TRACKING).count() == 1
    assert QuickReply.objects.get(shortcut="wl").usage_count == 1

    # A forbidden phrase stops the reply; the polite wording is offered and taken.
    box = agent.get_by_test_id("reply-box")
    box.fill("亲，这不是我们管的")
    box.press("Control+Enter")
    stop = agent.get_by_test_id("forbidden-stop")
    expect(stop).to_be_visible()
    expect(stop.locator("mark")).to_have_text("这不是我们管的")
    alternative = agent.get_by_test_id("alternative").first.inner_text()
    assert alternative
    agent.get_by_test_id("use-polite").click()
    expect(agent.get_by_test_id("reply-box")).to_have_value(f"亲，{alternative}")
    assert not Message.objects.filter(kind="agent", body__contains="我们管").exists()
    agent.get_by_test_id("reply-box").press("Control+Enter")
    expect(buyer.locator("#chat-thread")).to_contain_text(alternative)
    expect(agent.get_by_test_id("message").filter(has_text=alternative)).to_be_visible()
    expect(agent.get_by_test_id("reply-box")).to_have_value("")  # the sent reply leaves the composer empty

    # 390 px: the conversation alone, the buyer below, nothing wider than the screen.
    agent.set_viewport_size({"width": 390, "height": 844})
    assert agent.url.endswith(f"/service/c/{order_conversation_id(order)}/?view=all")  # not the POST's address
    agent.reload()
    expect(agent.get_by_test_id("reply-box")).to_be_visible()
    expect(agent.locator(".desk-inbox")).to_be_hidden()
    assert agent.evaluate("document.scrollingElement.scrollWidth") <= 390
    agent.screenshot(path=str(tmp_path / "desk-390.png"), full_page=True)
    assert (tmp_path / "desk-390.png").stat().st_size > 0
    agent.get_by_test_id("back-to-inbox").click()
    expect(agent.locator(".desk-inbox")).to_be_visible()
    assert agent.evaluate("document.scrollingElement.scrollWidth") <= 390
    assert errors == []
    # Closed here, each socket says goodbye before the server stops.
    agent.context.close()
    buyer.context.close()
