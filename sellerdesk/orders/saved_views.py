"""Saved views of the order list (保存的视图): a staff user's named filters, the same on
the page (orders/views_list.py) and in the API (orders/api_saved_views.py). A view keeps
only the list's own filters, never a page number; another user's view is not found."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from pydantic import ValidationError as SchemaError

from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.orders.models import SavedView
from sellerdesk.orders.queries import OrderFilters

# The order list's filters a view keeps, in the order the page writes them.
KEPT_FIELDS = ("q", "status", "shop", "assignee", "date_from", "date_to")
NAME_MAX = SavedView._meta.get_field("name").max_length or 40
QUERY_MAX = SavedView._meta.get_field("query").max_length or 2000


def kept_query(query: str) -> str:
    """`query` (a list's query string) with only the filters a view keeps."""
    given = QueryDict(query)
    return urlencode([(key, value) for key in KEPT_FIELDS for value in given.getlist(key) if value])


def views_of(user: User) -> list[SavedView]:
    require(user, "orders.view")
    return list(SavedView.objects.filter(user=user))


def save_view(*, user: User, name: str, query: str) -> SavedView:
    """Name the filters in `query` as a view of `user`'s own; 422 for an empty or taken
    name, or a query longer than a view keeps."""
    require(user, "orders.view")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": _("This field is required.")})
    if len(name) > NAME_MAX:
        raise ValidationFailed({"name": _("At most %(count)s characters.") % {"count": NAME_MAX}})
    kept = kept_query(query or "")
    if len(kept) > QUERY_MAX:
        raise ValidationFailed({"query": _("At most %(count)s characters.") % {"count": QUERY_MAX}})
    taken = ValidationFailed({"name": _("You already have a view named %(name)s.") % {"name": name}})
    if SavedView.objects.filter(user=user, name=name).exists():
        raise taken
    try:
        with transaction.atomic():
            return SavedView.objects.create(user=user, name=name, query=kept)
    except IntegrityError:  # the same name saved at the same moment
        raise taken from None


def get_view(*, user: User, view_id: int) -> SavedView:
    require(user, "orders.view")
    view = SavedView.objects.filter(pk=view_id, user=user).first()
    if view is None:
        raise NotFound(_("No saved view %(id)s.") % {"id": view_id}, details={"id": view_id})
    return view


def delete_view(*, user: User, view_id: int) -> SavedView:
    """Delete one of `user`'s views (another user's is not found)."""
    view = get_view(user=user, view_id=view_id)
    view.delete()
    return view


def filters_of(view: SavedView, *, page: int = 1) -> OrderFilters:
    """The list's filters the view names, on `page`; 422 when a kept filter no longer
    reads (a status or date written before it changed)."""
    given = QueryDict(view.query)
    values: dict[str, Any] = {key: given.get(key) for key in KEPT_FIELDS if given.get(key)}
    try:
        return OrderFilters(**values, page=page)
    except SchemaError as error:
        fields = {
            "view." + ".".join(str(part) for part in problem["loc"]): problem["msg"] for problem in error.errors()
        }
        raise ValidationFailed(fields, _("The saved view's filters no longer read.")) from None
