"""Helpers every server-rendered view uses: who is acting, and how a refused action or
an invalid form reads on the page. One copy here rather than one per app's views."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest

from sellerdesk.core.errors import DomainError
from sellerdesk.core.models import User


def logged_in_actor(request: HttpRequest) -> User:
    """The user acting in a request that a login-requiring decorator (`staff_required`,
    the supplier portal's) has let through: never anonymous there."""
    return cast(User, request.user)


def error_text(error: DomainError) -> str:
    """A refused action as one line for the page: its message, then each bad field and why."""
    text = error.message
    fields = error.details.get("fields")
    if fields:
        text += " " + "; ".join(f"{path}: {reason}" for path, reason in fields.items())
    return text


def show_refusal(request: HttpRequest, error: DomainError) -> None:
    """Put `error_text(error)` among the messages the next page shows."""
    messages.error(request, error_text(error))


def form_field_errors(form: Any) -> dict[str, str]:
    """An invalid bound form's errors, one line per field, as `ValidationFailed` takes them."""
    return {name: " ".join(str(error) for error in errors) for name, errors in form.errors.items()}


def add_refusal_to_form(form: Any, error: DomainError) -> None:
    """Show a refused action on the form: each bad field at its field (or above the form
    when the form has no such field), any other refusal above the form."""
    fields = error.details.get("fields") or {}
    for name, reason in fields.items():
        form.add_error(name if name in form.fields else None, reason)
    if not fields:
        form.add_error(None, error.message)
