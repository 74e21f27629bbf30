"""Forbidden phrases (服务禁语) in an agent's draft (owner H3)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    phrase: str
    alternative: str
    start: int  # index in the draft as given (str indices)
    end: int
    phrase_id: int | None = None


def check_draft(text: str) -> list[Hit]:
    """The forbidden phrases found in `text`, in order of position; [] when clean."""
    return []
