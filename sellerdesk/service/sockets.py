"""Which staff sockets are open, across every web process: an agent is offline when the
last of their desks has been closed for a moment, not when one tab reloads.

Each open socket is a member of its user's set with an expiry, renewed by the client's
heartbeat (realtime's ping, every 25 s): a web process that died leaves no agent online
for longer than SOCKET_TTL_SECONDS. With REDIS_URL the sets are Redis sorted sets (every
web process sees them); without it, a dict of this process (one web process then).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

import redis.asyncio
from django.conf import settings

from sellerdesk.service import config

# A socket not heard of for this long is gone (three missed heartbeats).
SOCKET_TTL_SECONDS = 90.0
KEY_PREFIX = "sellerdesk:service:sockets:"


def offline_grace_seconds() -> float:
    """How long after an agent's last socket closed they are still online (a page
    reload, a desk navigating to another conversation, a network blip)."""
    return float(config.setting("OFFLINE_GRACE_SECONDS", 15))


class SocketRegistry(Protocol):
    async def opened(self, user_id: int, socket: str) -> int: ...

    async def closed(self, user_id: int, socket: str) -> None: ...

    async def heard(self, user_id: int, socket: str) -> None: ...

    async def count(self, user_id: int) -> int: ...


class MemoryRegistry:
    def __init__(self) -> None:
        self.sockets: dict[int, dict[str, float]] = {}

    def _live(self, user_id: int) -> dict[str, float]:
        now = time.monotonic()
        members = self.sockets.setdefault(user_id, {})
        for socket in [socket for socket, expiry in members.items() if expiry <= now]:
            del members[socket]
        return members

    async def opened(self, user_id: int, socket: str) -> int:
        members = self._live(user_id)
        members[socket] = time.monotonic() + SOCKET_TTL_SECONDS
        return len(members)

    async def heard(self, user_id: int, socket: str) -> None:
        await self.opened(user_id, socket)

    async def closed(self, user_id: int, socket: str) -> None:
        self._live(user_id).pop(socket, None)

    async def count(self, user_id: int) -> int:
        return len(self._live(user_id))


class RedisRegistry:
    def __init__(self, url: str) -> None:
        self.url = url
        self.clients: dict[int, Any] = {}

    def _client(self) -> Any:
        # One client per event loop: a connection belongs to the loop that opened it.
        loop = id(asyncio.get_running_loop())
        if loop not in self.clients:
            self.clients[loop] = redis.asyncio.Redis.from_url(self.url)
        return self.clients[loop]

    async def opened(self, user_id: int, socket: str) -> int:
        key, now = KEY_PREFIX + str(user_id), time.time()
        async with self._client().pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zadd(key, {socket: now + SOCKET_TTL_SECONDS})
            pipe.zcard(key)
            pipe.expire(key, int(SOCKET_TTL_SECONDS) * 2)
            answers = await pipe.execute()
        return int(answers[2])

    async def heard(self, user_id: int, socket: str) -> None:
        await self.opened(user_id, socket)

    async def closed(self, user_id: int, socket: str) -> None:
        await self._client().zrem(KEY_PREFIX + str(user_id), socket)

    async def count(self, user_id: int) -> int:
        key, now = KEY_PREFIX + str(user_id), time.time()
        async with self._client().pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zcard(key)
            answers = await pipe.execute()
        return int(answers[1])


_registry: SocketRegistry | None = None


def registry() -> SocketRegistry:
    global _registry
    if _registry is None:
        _registry = RedisRegistry(settings.REDIS_URL) if settings.REDIS_URL else MemoryRegistry()
    return _registry
