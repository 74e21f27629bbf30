"""The websocket consumers (protocol: docs/websocket.md).

/ws/service/ — staff (a signed-in user with service.view): inbox rows, messages of the
conversations they may see, typing, presence. /ws/chat/ — the buyer signed in to the
portal (portal.auth's session key, never a staff login): their web chat.

The socket only delivers; messages are sent through HTTP (one write path). A client that
was away catches up by subscribing with the last message id it saw: the consumer answers
with what it missed from the database, so nothing depends on the channel layer having
kept anything.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from sellerdesk.core import limits
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.customers.models import Customer
from sellerdesk.portal import auth as portal_auth
from sellerdesk.service import access, queries, realtime, routing, sockets
from sellerdesk.service.models import Conversation, Presence

logger = logging.getLogger(__name__)

# Close codes (4000–4999 are the application's): the client stops retrying on these.
CLOSE_UNAUTHENTICATED = 4401
CATCH_UP_LIMIT = 200
DELIVERED_MEMORY = 256
# The client sends small commands only; anything longer is not one.
MAX_FRAME_CHARS = 4096
# Conversations one socket watches at once (a desk shows one or a few); subscribing to
# more lets the oldest go.
MAX_SUBSCRIPTIONS = 20
# A socket's typing events are passed on at most this often per conversation.
TYPING_EVERY_SECONDS = 1.0
# What a buyer may see of a conversation: never a private note or a phone-call summary.
BUYER_KINDS = ("buyer", "agent", "system")


def _int(value: Any) -> int | None:
    """An id from a client's frame, or None (not an integer, negative, beyond a database id)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID:
        return value
    return None


def _messages_after(conversation: Conversation, after: int, *, for_buyer: bool) -> list[dict[str, Any]]:
    found = queries.messages_since(conversation, after, include_notes=not for_buyer, limit=CATCH_UP_LIMIT)
    return [realtime.message_json(message) for message in found if not for_buyer or message.kind in BUYER_KINDS]


class _Consumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """What both sides share: ping, catching up, throttled typing, delivering events."""

    side = ""

    async def connect(self) -> None:
        self.typed_at: dict[int, float] = {}
        self.joined: list[str] = []
        self.watched: list[str] = []  # the conversations' groups, the oldest first
        # A socket in several groups (the conversation's, its agent's) hears a message
        # more than once: the ids delivered lately, so that each reaches it once.
        self.delivered: deque[Any] = deque(maxlen=DELIVERED_MEMORY)

    async def refuse(self) -> None:
        # Accepted, then closed with the application's code: a refused handshake reaches
        # the browser as a bare 1006, which a client cannot tell from a network failure
        # (live.js stops retrying on 4401 only).
        await self.accept()
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def join(self, *groups: str) -> None:
        for group in groups:
            if group not in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
                self.joined.append(group)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        # A frame that is not JSON is ignored like an unknown type, not a dropped socket.
        try:
            return limits.loads(text_data)  # nested too deeply: not JSON here either
        except ValueError:
            return None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            return
        await self.receive_json(await self.decode_json(text_data), **kwargs)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self.heartbeat()
        elif kind == "subscribe":
            await self.subscribe(content)
        elif kind == "typing":
            await self.typing(content)
        elif kind == "presence":
            await self.presence(content)
        # Anything else is ignored: an old or newer client must not lose its socket.

    async def heartbeat(self) -> None:
        """Join the groups again on every ping: a Redis that restarted has forgotten them,
        and the socket would stay open and silent (Chatwoot #14703). A layer that cannot
        be reached closes the socket: the client reconnects and catches up."""
        try:
            for group in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
        except Exception:
            logger.warning("realtime: the channel layer is unreachable; closing the socket", exc_info=True)
            await self.close(code=1011)
            return
        await self.send_json({"type": "pong"})

    async def subscribe(self, content: dict[str, Any]) -> None:
        conversation_id = _int(content.get("conversation"))
        if conversation_id is None:
            return
        conversation = await database_sync_to_async(self.conversation_of)(conversation_id)
        if conversation is None:
            await self.send_json({"type": "error", "code": "not_found", "conversation": conversation_id})
            return
        groups = self.groups_of(conversation)
        await self.join(*groups)
        for group in groups:
            if group in self.watched:
                self.watched.remove(group)
            self.watched.append(group)
        while len(self.watched) > MAX_SUBSCRIPTIONS:
            oldest = self.watched.pop(0)
            await self.channel_layer.group_discard(oldest, self.channel_name)
            self.joined.remove(oldest)
        after = _int(content.get("after"))
        missed: list[dict[str, Any]] = []
        if after is not None:
            missed = await database_sync_to_async(_messages_after)(
                conversation, after, for_buyer=self.kinds() is not None
            )
        for message in missed:
            self.delivered.append(message["id"])
            await self.send_json({"type": "message", "conversation": conversation_id, "message": message})
        await self.send_json(
            {
                "type": "subscribed",
                "conversation": conversation_id,
                # More than the limit missed: the client reloads the conversation instead.
                "complete": len(missed) < CATCH_UP_LIMIT,
            }
        )

    async def typing(self, content: dict[str, Any]) -> None:
        conversation_id = _int(content.get("conversation"))
        if conversation_id is None:
            return
        now = time.monotonic()
        if now - self.typed_at.get(conversation_id, 0.0) < TYPING_EVERY_SECONDS:
            return
        self.typed_at[conversation_id] = now
        conversation = await database_sync_to_async(self.conversation_of)(conversation_id)
        if conversation is None:
            return
        event = {"type": "typing", "conversation": conversation_id, "who": self.side, "name": self.name}
        for group in self.typing_groups(conversation):
            await self.channel_layer.group_send(
                group, {"type": realtime.EVENT_TYPE, "event": event, "sender": self.channel_name}
            )

    async def presence(self, content: dict[str, Any]) -> None:
        pass

    async def service_event(self, payload: dict[str, Any]) -> None:
        if payload.get("sender") == self.channel_name:
            return  # one's own typing
        event = payload.get("event") or {}
        if event.get("type") == "message":
            message = event.get("message") or {}
            if self.kinds() is not None and message.get("kind") not in BUYER_KINDS:
                return
            message_id = message.get("id")
            if message_id in self.delivered:
                return
            self.delivered.append(message_id)
        await self.send_json(event)

    # The side's rules.
    name = ""

    def conversation_of(self, conversation_id: int) -> Conversation | None:
        raise NotImplementedError

    def groups_of(self, conversation: Conversation) -> list[str]:
        raise NotImplementedError

    def typing_groups(self, conversation: Conversation) -> list[str]:
        raise NotImplementedError

    def kinds(self) -> tuple[str, ...] | None:
        return None


class StaffConsumer(_Consumer):
    """/ws/service/: an agent's or supervisor's desk."""

    side = "agent"

    async def connect(self) -> None:
        await super().connect()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not has_permission(user, "service.view"):
            await self.refuse()
            return
        self.user: User = user
        self.name = user.display_name or user.get_full_name() or user.username
        self.shop_ids = await database_sync_to_async(access.agent_shop_ids)(user)
        shop_groups = (
            [realtime.ALL_SHOPS_GROUP]
            if self.shop_ids is None
            else [realtime.shop_group(shop_id) for shop_id in sorted(self.shop_ids)]
        )
        await self.join(realtime.STAFF_GROUP, realtime.agent_group(user.pk), *shop_groups)
        await self.accept()
        await sockets.registry().opened(user.pk, self.channel_name)
        # Online at once (a reload within the grace never went offline: nothing changes).
        await database_sync_to_async(set_presence)(user, Presence.ONLINE)

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        user = getattr(self, "user", None)
        if user is None:
            return
        registry = sockets.registry()
        await registry.closed(user.pk, self.channel_name)
        # Offline hands the agent's waiting conversations to others (routing): only when
        # no desk of theirs came back within the grace, in this process or another.
        await asyncio.sleep(sockets.offline_grace_seconds())
        if await registry.count(user.pk) == 0:
            await database_sync_to_async(set_presence)(user, Presence.OFFLINE)

    async def heartbeat(self) -> None:
        try:
            await sockets.registry().heard(self.user.pk, self.channel_name)
        except Exception:
            logger.warning("realtime: cannot note the socket; closing it", exc_info=True)
            await self.close(code=1011)
            return
        await super().heartbeat()

    async def presence(self, content: dict[str, Any]) -> None:
        # offline is what closing the socket says; a client may only choose these two.
        if content.get("presence") in (Presence.ONLINE, Presence.AWAY):
            await database_sync_to_async(set_presence)(self.user, content["presence"])

    def conversation_of(self, conversation_id: int) -> Conversation | None:
        found = Conversation.objects.filter(pk=conversation_id)
        if self.shop_ids is not None:
            found = found.filter(shop_id__in=self.shop_ids)
        return found.first()

    def groups_of(self, conversation: Conversation) -> list[str]:
        return [realtime.conversation_group(conversation.pk)]

    def typing_groups(self, conversation: Conversation) -> list[str]:
        # The other agents watching it, and the buyer when it is their web chat.
        groups = [realtime.conversation_group(conversation.pk)]
        if conversation.customer_id is not None and conversation.channel == "web":
            groups.append(realtime.buyer_group(conversation.customer_id))
        return groups


class BuyerConsumer(_Consumer):
    """/ws/chat/: the buyer's chat page in the portal."""

    side = "buyer"

    async def connect(self) -> None:
        await super().connect()
        customer = await database_sync_to_async(self.session_customer)()
        if customer is None:
            await self.refuse()
            return
        self.customer = customer
        self.name = customer.nickname or customer.name
        await self.join(realtime.buyer_group(customer.pk))
        await self.accept()

    def session_customer(self) -> Customer | None:
        session = self.scope.get("session")
        if session is None:
            return None
        # portal.auth reads the buyer from request.session only.
        return portal_auth.session_customer(SimpleNamespace(session=session))  # type: ignore[arg-type]

    def conversation_of(self, conversation_id: int) -> Conversation | None:
        return Conversation.objects.filter(pk=conversation_id, customer=self.customer, channel="web").first()

    def groups_of(self, conversation: Conversation) -> list[str]:
        return []  # the buyer's group already carries every event of their web chat

    def typing_groups(self, conversation: Conversation) -> list[str]:
        # The desks that have the conversation open (subscribed) show it typing.
        return [realtime.conversation_group(conversation.pk)]

    def kinds(self) -> tuple[str, ...] | None:
        return BUYER_KINDS


def set_presence(user: User, presence: str) -> None:
    """Record the agent's presence through routing (H4) and tell the staff screens."""
    set_in_routing = getattr(routing, "set_presence", None)
    if set_in_routing is not None:
        # routing.set_presence records it and publishes it (realtime.publish_presence).
        set_in_routing(user=user, presence=presence, at=timezone.now())
        return
    # Until routing records presence, the screens are still told.
    realtime.send_now(
        [realtime.STAFF_GROUP],
        {"type": "presence", "user": user.pk, "presence": presence, "at": timezone.now().isoformat()},
    )
