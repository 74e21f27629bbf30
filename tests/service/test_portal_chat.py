"""The buyer's chat page in the portal (/service/chat/, service.views_portal): the portal's
own sign-in, sending through HTTP, catching up after an id, reading, images."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sellerdesk.core.models import User
from sellerdesk.orders.models import Order
from sellerdesk.service import conversations
from sellerdesk.service.models import Conversation, Message
from tests.factories import make_user
from tests.portal import conftest as portal

# The portal's fixtures: the default shop, buyers with delivered orders, a signed-in client.
_show_codes = portal._show_codes
tees, alice_order, bob_order, alice = portal.tees, portal.alice_order, portal.bob_order, portal.alice
sign_in = portal.sign_in

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def agent(db: Any) -> User:
    return make_user("agent", "agent", "阿华")


def test_the_page_asks_a_stranger_to_sign_in_to_the_portal(db: Any, agent: User) -> None:
    staff = Client()
    staff.force_login(agent)

    for client in (Client(), staff):
        response = client.get("/service/chat/")
        assert response.status_code == 302
        assert response["Location"] == "/portal/sign-in/?next=%2Fservice%2Fchat%2F"


def test_the_buyers_first_message_opens_their_web_chat_and_comes_back_as_the_socket_has_it(
    alice: Client, alice_order: Order
) -> None:
    empty = alice.get("/service/chat/", HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 200
    assert "Ask us anything about your order" in empty.content.decode()

    response = alice.post(
        "/service/chat/send/", {"body": "在吗？我的衣服什么时候发货", "order": alice_order.number}, **JSON
    )

    assert response.status_code == 201
    answer = response.json()
    conversation = Conversation.objects.get()
    message = Message.objects.get()
    assert (conversation.channel, conversation.customer_id, conversation.order_id) == (
        "web",
        alice_order.customer_id,
        alice_order.pk,
    )
    assert answer == {
        "conversation": conversation.pk,
        "message": {
            "id": message.pk,
            "kind": "buyer",
            "body": "在吗？我的衣服什么时候发货",
            "author": "",
            "created_at": message.created_at.isoformat(),
            "attachments": [],
        },
    }
    page = alice.get("/service/chat/").content.decode()
    assert "在吗？我的衣服什么时候发货" in page
    assert f'data-conversation="{conversation.pk}"' in page
    assert f'data-last-id="{message.pk}"' in page


def test_catching_up_gives_the_agents_answers_after_an_id_and_never_a_note(
    alice: Client, alice_order: Order, agent: User
) -> None:
    first = alice.post("/service/chat/send/", {"body": "你好"}, **JSON).json()
    conversation = Conversation.objects.get(pk=first["conversation"])
    conversations.add_note(conversation=conversation, actor=agent, body="老顾客，优先处理")
    reply = conversations.send_reply(conversation=conversation, actor=agent, body="亲，在的，请问有什么可以帮您？")

    caught_up = alice.get("/service/chat/messages/", {"after": first["message"]["id"]}).json()

    assert [message["id"] for message in caught_up["messages"]] == [reply.pk]
    assert caught_up["messages"][0]["author"] == "阿华"
    assert (caught_up["conversation"], caught_up["complete"]) == (conversation.pk, True)
    assert "老顾客" not in alice.get("/service/chat/").content.decode()
    assert alice.get("/service/chat/messages/", {"after": "nonsense"}).status_code == 200


def test_reading_the_page_marks_the_agents_messages_read(alice: Client, agent: User) -> None:
    first = alice.post("/service/chat/send/", {"body": "你好"}, **JSON).json()
    conversation = Conversation.objects.get(pk=first["conversation"])
    conversations.send_reply(conversation=conversation, actor=agent, body="在的亲")
    assert Conversation.objects.get().unread_buyer == 1

    assert alice.post("/service/chat/read/").status_code == 204

    assert Conversation.objects.get().unread_buyer == 0


def test_a_refused_message_says_why_and_writes_nothing(alice: Client) -> None:
    response = alice.post("/service/chat/send/", {"body": "   "}, HTTP_ACCEPT_LANGUAGE="en", **JSON)

    assert response.status_code == 422
    assert "body" in str(response.json()["details"])
    assert Message.objects.count() == 0


def test_without_javascript_the_form_posts_and_the_page_shows_it(alice: Client) -> None:
    response = alice.post("/service/chat/send/", {"body": "没有脚本也能发"})

    assert (response.status_code, response["Location"]) == (302, "/service/chat/")
    assert "没有脚本也能发" in alice.get("/service/chat/").content.decode()


def test_a_buyer_sees_neither_another_buyers_chat_nor_their_images(
    alice: Client, bob_order: Order, agent: User
) -> None:
    bob = Client()
    sign_in(bob, bob_order)
    bobs = bob.post("/service/chat/send/", {"body": "李四的私事"}, **JSON).json()

    assert "李四的私事" not in alice.get("/service/chat/").content.decode()
    assert alice.get("/service/chat/messages/", {"after": 0}).json()["messages"] == []
    assert alice.get(f"/service/chat/images/{bobs['message']['id']}/").status_code == 404
    # Nor an order of someone else's as the subject.
    assert alice.post("/service/chat/send/", {"body": "x", "order": bob_order.number}, **JSON).status_code == 404
