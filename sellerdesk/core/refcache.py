"""Reference rows that change rarely (the default shop, the default warehouse, a shop by
code) remembered per process for REFERENCE_CACHE_SECONDS, so that the hot path of
intake does not read them on every order. An edit of such a row (say a shop's payment
window) reaches every process within that time."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_entries: dict[Hashable, tuple[float, Any]] = {}
_lock = threading.Lock()


def remembered(key: Hashable, load: Callable[[], T]) -> T:
    """`load()`'s answer, read again once it is older than the cache time. None is not kept."""
    lifetime: float = settings.SELLERDESK["REFERENCE_CACHE_SECONDS"]
    if lifetime <= 0:
        return load()
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]  # type: ignore[no-any-return]
    value = load()
    if value is not None:
        with _lock:
            _entries[key] = (now + lifetime, value)
    return value


def forget_all() -> None:
    with _lock:
        _entries.clear()


def forgets(action: F) -> F:
    """For an action that changes rows remembered here: once it returns (or fails) this
    process reads them again; other processes see the change within REFERENCE_CACHE_SECONDS."""

    @functools.wraps(action)
    def changing(*args: Any, **kwargs: Any) -> Any:
        try:
            return action(*args, **kwargs)
        finally:
            forget_all()

    return changing  # type: ignore[return-value]
