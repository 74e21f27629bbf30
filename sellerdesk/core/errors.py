"""Domain errors. Each carries a stable code, an HTTP status and data about what failed.

The API turns them into `{"code", "message", "details"}` in one place (core.api);
the staff UI shows their message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _

from sellerdesk.core import state_names


class DomainError(Exception):
    code = "domain_error"
    status = 409

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class DatabaseBusy(DomainError):
    """The database stayed busy with other writes longer than its wait allows
    (SQLITE_WRITE_LOCK_TIMEOUT_SECONDS): nothing was written; the same request may be sent
    again in a moment."""

    code = "database_busy"
    status = 503

    def __init__(self, *, waited_seconds: float) -> None:
        super().__init__(
            _("The database is busy with other work; nothing was saved. Please try again in a moment."),
            details={"waited_seconds": round(waited_seconds, 1)},
        )


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    """A state conflict with a code of its own (duplicate_order, duplicate_payment…)."""

    status = 409

    def __init__(self, code: str, message: str, *, details: Mapping[str, Any] | None = None):
        super().__init__(message, details=details)
        self.code = code


class ValidationFailed(DomainError):
    """Invalid input: `fields` maps each bad field's path (`lines[1].quantity`) to why."""

    code = "validation_error"
    status = 422

    def __init__(self, fields: Mapping[str, str], message: str | None = None) -> None:
        super().__init__(message or _("Some fields are invalid."), details={"fields": dict(fields)})
        self.fields = dict(fields)


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409

    def __init__(self, *, current: str, action: str, entity: str = "order") -> None:
        # The details keep the codes (for programs); the message names the status, the
        # action and the kind of record in the reader's language (core.state_names).
        super().__init__(
            _("Cannot %(action)s: the %(entity)s is “%(current)s”.")
            % {
                "action": state_names.action_name(action),
                "entity": state_names.entity_name(entity),
                "current": state_names.status_name(entity, current),
            },
            details={"current_status": current, "action": action},
        )
        self.current = current
        self.action = action


@dataclass(frozen=True)
class ShortLine:
    sku: str
    requested: int
    available: int


class InsufficientStock(DomainError):
    code = "insufficient_stock"
    status = 409

    def __init__(self, lines: list[ShortLine]) -> None:
        super().__init__(
            _("Not enough stock for: %(skus)s.") % {"skus": ", ".join(line.sku for line in lines)},
            details={"lines": [asdict(line) for line in lines]},
        )
        self.lines = lines
