"""The websocket side of the desk (service.consumers, service.realtime) on the in-memory
channel layer: who may connect, what reaches whom, typing, catching up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

from sellerdesk.asgi import application
from sellerdesk.core.models import User
from sellerdesk.customers.models import Customer
from sellerdesk.portal import auth as portal_auth
from sellerdesk.service import consumers, realtime
from sellerdesk.service.models import AgentProfile, Conversation, Message
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_token, make_user
from tests.support.asgi import HttpCommunicator, WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def staff_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def buyer_cookie(customer: Customer) -> bytes:
    session = SessionStore()
    session[portal_auth.SESSION_KEY] = {"customer_id": customer.pk, "order": "", "at": timezone.now().isoformat()}
    session.create()
    return f"sessionid={session.session_key}".encode()


def socket(path: str, cookie: bytes | None = None, origin: tuple[bytes, bytes] = ORIGIN) -> WebsocketCommunicator:
    headers = [origin] + ([(b"cookie", cookie)] if cookie else [])
    return WebsocketCommunicator(application, path, headers=headers)


def make_customer(shop: Shop, name: str = "王小丽") -> Customer:
    return Customer.objects.create(shop=shop, identity=f"tel:{name}", name=name, nickname=name + "88")


def web_chat(customer: Customer, **fields: Any) -> Conversation:
    now = timezone.now()
    return Conversation.objects.create(
        shop=customer.shop, customer=customer, channel="web", created_at=now, last_message_at=now, **fields
    )


def add_message(conversation: Conversation, kind: str, body: str, author: User | None = None) -> Message:
    return Message.objects.create(
        conversation=conversation, kind=kind, body=body, author=author, channel="web", created_at=timezone.now()
    )


async def nothing_more(communicator: WebsocketCommunicator) -> bool:
    return await communicator.receive_nothing(timeout=0.2)


async def refused(communicator: WebsocketCommunicator) -> int:
    """The close code of a socket the server accepted only to close it at once."""
    connected, _ = await communicator.connect()
    assert connected is True
    closing = await communicator.receive_output(timeout=5)
    assert closing["type"] == "websocket.close", closing
    return int(closing["code"])


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    """The next event of this type (the others, e.g. presence, are passed over)."""
    while True:
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == kind:
            return dict(event)


async def drain(communicator: WebsocketCommunicator) -> list[dict[str, Any]]:
    """Every event still on its way (nothing for 0.2 s ends it)."""
    events = []
    while not await communicator.receive_nothing(timeout=0.2):
        events.append(await communicator.receive_json_from(timeout=5))
    return events


@pytest.fixture(autouse=True)
def _short_offline_grace(settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "SERVICE": {"OFFLINE_GRACE_SECONDS": 0.2}}


@pytest.fixture
def agent(db: Any) -> User:
    return make_user("agent", "agent", "阿华")


@pytest.fixture
def customer(default_shop: Shop) -> Customer:  # noqa: F811
    return make_customer(default_shop)


def test_anonymous_and_roles_without_the_desk_are_refused(customer: Customer) -> None:
    picker = staff_cookie(make_user("picker", "warehouse", "小王"))
    owner = staff_cookie(make_user("owner", "owner", "老板"))

    async def scenario() -> None:
        for communicator in (
            socket("/ws/service/"),
            socket("/ws/chat/"),
            socket("/ws/service/", picker),
            # A staff login is no buyer: the portal's own session key is.
            socket("/ws/chat/", owner),
        ):
            assert await refused(communicator) == 4401

    run(scenario)


def test_another_sites_page_may_not_open_a_socket_with_the_cookies(agent: User) -> None:
    cookie = staff_cookie(agent)

    async def scenario() -> None:
        communicator = socket("/ws/service/", cookie, origin=(b"origin", b"https://evil.example"))
        connected, _ = await communicator.connect()
        assert connected is False

    run(scenario)


def test_an_expired_portal_session_is_refused(customer: Customer) -> None:
    session = SessionStore()
    old = timezone.now() - timedelta(hours=portal_auth.session_hours() + 1)
    session[portal_auth.SESSION_KEY] = {"customer_id": customer.pk, "order": "", "at": old.isoformat()}
    session.create()

    async def scenario() -> None:
        assert await refused(socket("/ws/chat/", f"sessionid={session.session_key}".encode())) == 4401

    run(scenario)


def test_the_agents_reply_reaches_the_buyers_socket_and_a_note_does_not(agent: User, customer: Customer) -> None:
    conversation = web_chat(customer, assignee=agent)

    buyer_session = buyer_cookie(customer)
    agent_session = staff_cookie(agent)

    async def scenario() -> None:
        buyer = socket("/ws/chat/", buyer_session)
        desk = socket("/ws/service/", agent_session)
        assert (await buyer.connect())[0] and (await desk.connect())[0]

        reply = await _db(add_message, conversation, "agent", "亲，今天就发货哦", agent)
        await _db(realtime.publish_message, reply)
        note = await _db(add_message, conversation, "note", "买家很急", agent)
        await _db(realtime.publish_message, note)

        received = await next_of(buyer, "message")
        assert received == {
            "type": "message",
            "conversation": conversation.pk,
            "message": {
                "id": reply.pk,
                "kind": "agent",
                "body": "亲，今天就发货哦",
                "author": "阿华",
                "created_at": reply.created_at.isoformat(),
                "attachments": [],
            },
        }
        assert await nothing_more(buyer)
        # The assigned agent's desk hears both, the note included, each once.
        seen = [(await next_of(desk, "message"))["message"]["id"] for _ in range(2)]
        assert seen == [reply.pk, note.pk]
        assert not [event for event in await drain(desk) if event["type"] == "message"]
        await buyer.disconnect()
        await desk.disconnect()

    run(scenario)


def test_the_buyers_message_reaches_a_watching_agent_of_the_shop(agent: User, customer: Customer) -> None:
    conversation = web_chat(customer)  # unassigned: the shop's agents see it

    agent_session = staff_cookie(agent)

    async def scenario() -> None:
        desk = socket("/ws/service/", agent_session)
        assert (await desk.connect())[0]
        await desk.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        assert await next_of(desk, "subscribed") == {
            "type": "subscribed",
            "conversation": conversation.pk,
            "complete": True,
        }

        message = await _db(add_message, conversation, "buyer", "在吗？什么时候发货")
        await _db(realtime.publish_message, message)

        event = await next_of(desk, "message")
        assert (event["message"]["id"], event["message"]["body"]) == (message.pk, "在吗？什么时候发货")
        # and the inbox row of it, for the list.
        row = await next_of(desk, "conversation")
        assert (row["id"], row["status"], row["assignee"]) == (conversation.pk, "open", None)
        await desk.disconnect()

    run(scenario)


def test_typing_reaches_the_other_side_not_oneself(agent: User, customer: Customer) -> None:
    conversation = web_chat(customer, assignee=agent)

    buyer_session = buyer_cookie(customer)
    agent_session = staff_cookie(agent)

    async def scenario() -> None:
        buyer = socket("/ws/chat/", buyer_session)
        desk = socket("/ws/service/", agent_session)
        assert (await buyer.connect())[0] and (await desk.connect())[0]
        await desk.send_json_to({"type": "subscribe", "conversation": conversation.pk})
        await next_of(desk, "subscribed")

        await buyer.send_json_to({"type": "typing", "conversation": conversation.pk})
        typing = await next_of(desk, "typing")
        assert typing == {"type": "typing", "conversation": conversation.pk, "who": "buyer", "name": "王小丽88"}
        assert not [event for event in await drain(desk) if event["type"] == "typing"]

        await desk.send_json_to({"type": "typing", "conversation": conversation.pk})
        assert await buyer.receive_json_from(timeout=5) == {
            "type": "typing",
            "conversation": conversation.pk,
            "who": "agent",
            "name": "阿华",
        }
        assert await nothing_more(buyer)
        await buyer.disconnect()
        await desk.disconnect()

    run(scenario)


def test_a_client_back_from_a_broken_connection_catches_up_from_its_last_id(agent: User, customer: Customer) -> None:
    conversation = web_chat(customer, assignee=agent)
    seen = add_message(conversation, "buyer", "你好")
    missed = [add_message(conversation, "agent", "在的亲", agent), add_message(conversation, "note", "内部备注", agent)]

    buyer_session = buyer_cookie(customer)
    agent_session = staff_cookie(agent)

    async def scenario() -> None:
        buyer = socket("/ws/chat/", buyer_session)
        assert (await buyer.connect())[0]
        await buyer.send_json_to({"type": "subscribe", "conversation": conversation.pk, "after": seen.pk})
        event = await buyer.receive_json_from(timeout=5)
        assert (event["type"], event["message"]["id"]) == ("message", missed[0].pk)
        # The note is the staff's: the buyer never gets it, not even catching up.
        assert await buyer.receive_json_from(timeout=5) == {
            "type": "subscribed",
            "conversation": conversation.pk,
            "complete": True,
        }

        desk = socket("/ws/service/", agent_session)
        assert (await desk.connect())[0]
        await desk.send_json_to({"type": "subscribe", "conversation": conversation.pk, "after": seen.pk})
        ids = [(await next_of(desk, "message"))["message"]["id"] for _ in range(2)]
        assert ids == [message.pk for message in missed]
        await buyer.disconnect()
        await desk.disconnect()

    run(scenario)


def test_nobody_subscribes_to_a_conversation_they_may_not_see(agent: User, customer: Customer) -> None:
    other_shop = Shop.objects.create(code="second", name="二店")
    stranger = make_customer(customer.shop, "李四")
    theirs = web_chat(stranger)
    elsewhere = web_chat(make_customer(other_shop, "赵六"))
    AgentProfile.objects.create(user=agent).shops.set([customer.shop])

    buyer_session = buyer_cookie(customer)
    agent_session = staff_cookie(agent)

    async def scenario() -> None:
        buyer = socket("/ws/chat/", buyer_session)
        desk = socket("/ws/service/", agent_session)
        assert (await buyer.connect())[0] and (await desk.connect())[0]

        await buyer.send_json_to({"type": "subscribe", "conversation": theirs.pk, "after": 0})
        assert await buyer.receive_json_from(timeout=5) == {
            "type": "error",
            "code": "not_found",
            "conversation": theirs.pk,
        }
        await desk.send_json_to({"type": "subscribe", "conversation": elsewhere.pk, "after": 0})
        assert (await next_of(desk, "error"))["code"] == "not_found"

        # And the other shop's messages never reach this agent's desk. (Coming online
        # may have handed the agent its own shop's waiting chat: that event may be here.)
        message = await _db(add_message, elsewhere, "buyer", "我的快递呢")
        await _db(realtime.publish_message, message)
        received = await drain(desk)
        assert [event for event in received if elsewhere.pk in (event.get("id"), event.get("conversation"))] == []
        assert all(event.get("shop") in (None, customer.shop_id) for event in received)
        await buyer.disconnect()
        await desk.disconnect()

    run(scenario)


def test_ping_is_answered_and_nonsense_is_ignored(agent: User) -> None:
    agent_session = staff_cookie(agent)

    async def scenario() -> None:
        desk = socket("/ws/service/", agent_session)
        assert (await desk.connect())[0]
        await desk.send_to(text_data="not json at all")
        await desk.send_json_to(["a", "list"])
        await desk.send_json_to({"type": "subscribe", "conversation": "1; drop table"})
        await desk.send_json_to({"type": "subscribe", "conversation": 10**30, "after": -1})
        await desk.send_json_to({"type": "typing", "conversation": 10**30})
        await desk.send_json_to({"type": "ping"})
        assert await next_of(desk, "pong") == {"type": "pong"}
        await desk.disconnect()

    run(scenario)


def test_presence_goes_online_on_connect_and_offline_with_the_last_socket(agent: User) -> None:
    supervisor_session = staff_cookie(make_user("boss", "supervisor", "主管"))
    agent_session = staff_cookie(agent)

    async def scenario() -> None:
        watcher = socket("/ws/service/", supervisor_session)
        assert (await watcher.connect())[0]
        first = socket("/ws/service/", agent_session)
        second = socket("/ws/service/", agent_session)
        assert (await first.connect())[0]
        presence = await _next_presence(watcher, agent.pk)
        assert presence == "online"
        assert (await second.connect())[0]

        await first.send_json_to({"type": "presence", "presence": "away"})
        assert await _next_presence(watcher, agent.pk) == "away"
        await first.disconnect()
        assert [event for event in await drain(watcher) if event["type"] == "presence"] == []
        await second.disconnect()
        assert await _next_presence(watcher, agent.pk) == "offline"
        profile = await _db(lambda: AgentProfile.objects.get(user=agent))
        assert profile.presence == "offline"
        await watcher.disconnect()

    run(scenario)


def test_a_desk_reloading_within_the_grace_never_goes_offline(agent: User, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "SERVICE": {"OFFLINE_GRACE_SECONDS": 1.0}}
    supervisor_session = staff_cookie(make_user("boss", "supervisor", "主管"))
    agent_session = staff_cookie(agent)

    async def scenario() -> None:
        watcher = socket("/ws/service/", supervisor_session)
        assert (await watcher.connect())[0]
        before = socket("/ws/service/", agent_session)
        assert (await before.connect())[0]
        assert await _next_presence(watcher, agent.pk) == "online"

        # The page navigates: its socket closes and the next page's opens.
        closing = asyncio.ensure_future(before.disconnect(timeout=3))
        await asyncio.sleep(0.1)
        after = socket("/ws/service/", agent_session)
        assert (await after.connect())[0]
        await closing

        assert [event for event in await drain(watcher) if event["type"] == "presence"] == []
        await after.disconnect(timeout=3)
        await watcher.disconnect()

    run(scenario)


def test_the_api_answers_through_the_lean_asgi_stack_and_pages_through_the_full_one(agent: User) -> None:
    token = make_token(agent)

    async def scenario() -> None:
        headers = [(b"authorization", f"Bearer {token}".encode()), (b"host", b"127.0.0.1")]
        api = await HttpCommunicator(application, "GET", "/api/v1/orders", headers=headers).get_response()
        page = await HttpCommunicator(application, "GET", "/api/openapi.json", headers=headers).get_response()
        api_headers = {key.decode().lower(): value.decode() for key, value in api["headers"]}
        page_headers = {key.decode().lower(): value.decode() for key, value in page["headers"]}
        assert api["status"] == 200
        assert "x-frame-options" not in api_headers
        assert page_headers["x-frame-options"] == "DENY"

    run(scenario)


async def _next_presence(watcher: WebsocketCommunicator, user_id: int) -> str:
    while True:
        event = await watcher.receive_json_from(timeout=5)
        if event["type"] == "presence" and event["user"] == user_id:
            return str(event["presence"])


async def _db(function: Callable[..., Any], *args: Any) -> Any:
    from channels.db import database_sync_to_async

    return await database_sync_to_async(function)(*args)


def test_a_socket_watches_a_bounded_number_of_conversations_the_oldest_let_go(agent: User, customer: Customer) -> None:
    chats = [web_chat(customer) for _ in range(consumers.MAX_SUBSCRIPTIONS + 1)]
    agent_session = staff_cookie(agent)

    async def scenario() -> None:
        desk = socket("/ws/service/", agent_session)
        assert (await desk.connect())[0]
        for chat in chats:
            await desk.send_json_to({"type": "subscribe", "conversation": chat.pk})
            await next_of(desk, "subscribed")

        for chat in (chats[0], chats[-1]):
            message = await _db(add_message, chat, "buyer", "在吗")
            await _db(realtime.publish_message, message)

        heard = [event["conversation"] for event in await drain(desk) if event["type"] == "message"]
        assert heard == [chats[-1].pk]
        await desk.disconnect()

    run(scenario)
