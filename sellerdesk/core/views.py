"""The staff UI's shell: who may enter, the home page, the 403 page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from sellerdesk.core.permissions import STAFF, Role

View = Callable[..., HttpResponse]


def is_staff_user(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in STAFF))


def staff_required(view: View) -> View:
    """Logged in (else to the login page) and of a staff role (else 403).

    Buyers and suppliers have accounts too, for the portals; they never see the back office.
    """

    @login_required
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a login lands: staff on the orders, a supplier on its own purchase orders."""
    if is_staff_user(request.user):
        return redirect("orders:list")
    if getattr(request.user, "role", "") == Role.SUPPLIER:
        return redirect("supplier_portal:home")
    raise PermissionDenied
