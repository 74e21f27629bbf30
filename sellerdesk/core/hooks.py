"""One typed registry of hooks and ports: how a lower layer reaches the layers above it.

The apps form layers (docs/development.md); an app imports only from the layers below it.
When something happens in a lower layer that an upper one must act on (an order is paid
or closed, stock arrived, a parcel shipped), the lower layer *tells* by emitting a hook:

    emit(OrderClosed(order=order, actor=actor, at=at, before=before, reason=reason))

A hook is a frozen dataclass, the payload, one class per event, defined next to the layer
that emits it (e.g. `sellerdesk.orders.hooks`). An upper app subscribes in its
`AppConfig.ready()`:

    hooks.subscribe(OrderClosed, dropship.cancel_for_closed_order, when=hooks.IN_TRANSACTION)

`IN_TRANSACTION` subscribers run at once, inside the emitter's transaction: an exception
propagates to the emitter and rolls everything back. `ON_COMMIT` subscribers run after
the outermost transaction commits (`transaction.on_commit`, robust: a failure is logged
and does not undo what was committed) and never when it rolls back. Subscribers of one
hook run in a fixed order: by `priority` (lower first), then by their qualified name, so
the order never depends on which app happened to register first.

When a lower layer must *ask* an upper one (which carriers reach an address?), it names
what it needs as a `Port`: a typed slot that one upper app fills in its `ready()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar, cast

from django.db import transaction

logger = logging.getLogger(__name__)


class When(Enum):
    """When a subscriber runs relative to the emitter's transaction."""

    IN_TRANSACTION = "in_transaction"
    ON_COMMIT = "on_commit"


IN_TRANSACTION = When.IN_TRANSACTION
ON_COMMIT = When.ON_COMMIT


@dataclass(frozen=True)
class Hook:
    """Base class of hook payloads. Subclass it as a frozen dataclass per event; carry
    ids and facts. An IN_TRANSACTION hook may carry the emitter's locked row itself, so
    that what a subscriber changes on it is what the emitter and its caller see."""


P = TypeVar("P", bound=Hook)


@dataclass(frozen=True)
class Subscriber(Generic[P]):
    hook: type[P]
    function: Callable[[P], None]
    when: When
    priority: int

    @property
    def name(self) -> str:
        return f"{self.function.__module__}.{self.function.__qualname__}"

    def sort_key(self) -> tuple[int, str]:
        return (self.priority, self.name)


_subscribers: dict[type[Hook], list[Subscriber[Any]]] = {}


def subscribe(hook: type[P], function: Callable[[P], None], *, when: When, priority: int = 100) -> None:
    """Run `function(payload)` whenever a `hook` payload is emitted, `when` says when.
    Registering the same function for the same hook twice keeps one registration (an
    app's `ready()` may run more than once in tests)."""
    if not (isinstance(hook, type) and issubclass(hook, Hook)):
        raise TypeError(f"{hook!r} is not a Hook payload class")
    entries = _subscribers.setdefault(hook, [])
    entries[:] = [entry for entry in entries if entry.function is not function]
    entries.append(Subscriber(hook, function, when, priority))
    entries.sort(key=Subscriber.sort_key)


def unsubscribe(hook: type[P], function: Callable[[P], None]) -> None:
    """Remove a registration (for tests)."""
    entries = _subscribers.get(hook, [])
    entries[:] = [entry for entry in entries if entry.function is not function]


def subscribers(hook: type[Hook]) -> list[Subscriber[Any]]:
    """The subscribers of exactly this payload class, in the order they run."""
    return list(_subscribers.get(hook, []))


def _after_commit(subscriber: Subscriber[Any], payload: Hook) -> Callable[[], None]:
    def run() -> None:
        subscriber.function(payload)

    # Django names the callback when a robust one fails: name the subscriber.
    run.__qualname__ = subscriber.name
    return run


def emit(payload: Hook) -> None:
    """Run the subscribers of `payload`'s class in their order: IN_TRANSACTION ones now
    (their exceptions propagate), ON_COMMIT ones scheduled for after the commit."""
    for subscriber in _subscribers.get(type(payload), []):
        if subscriber.when is When.IN_TRANSACTION:
            subscriber.function(payload)
        else:
            transaction.on_commit(_after_commit(subscriber, payload), robust=True)


T = TypeVar("T")


class PortNotProvided(LookupError):
    pass


class Port(Generic[T]):
    """A question a lower layer asks an upper one. The lower layer declares the port
    with the type of its answer (usually a Protocol), the upper app provides it in its
    `ready()`, and the lower layer calls `port.get()` when it needs the answer:

        CARRIER_COVERAGE: Port[CarrierCoverage] = Port("carrier coverage")   # orders
        CARRIER_COVERAGE.provide(Coverage())                                  # logistics.apps
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._provider: T | None = None

    def provide(self, provider: T) -> None:
        """Fill the port (the last provider wins: tests may swap in their own)."""
        self._provider = provider

    def get(self) -> T:
        """The provider; raises PortNotProvided when no installed app provides it."""
        if self._provider is None:
            raise PortNotProvided(f"nothing provides the port {self.name!r}; is its app installed?")
        return cast(T, self._provider)

    def __repr__(self) -> str:
        return f"Port({self.name!r})"


__all__ = [
    "IN_TRANSACTION",
    "ON_COMMIT",
    "Hook",
    "Port",
    "PortNotProvided",
    "Subscriber",
    "When",
    "emit",
    "subscribe",
    "subscribers",
    "unsubscribe",
]
