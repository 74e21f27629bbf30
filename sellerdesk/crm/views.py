"""Staff screens of the CRM: the customer list and the customer page.

Thin like the order page: a form parses, one action (customers.actions, customers.book)
decides and writes, the page shows a refusal next to the form that caused it (nothing was
changed) or redirects back with a message (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import DomainError, NotFound
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import add_refusal_to_form, logged_in_actor
from sellerdesk.crm import queries
from sellerdesk.crm.buyers import BuyerTotals, buyer_totals
from sellerdesk.crm.forms import AddressForm, CustomerFilterForm, NoteForm, ProfileForm, TagForm
from sellerdesk.customers import actions as customer_actions
from sellerdesk.customers import book
from sellerdesk.customers.models import Customer, CustomerAddress, CustomerTag
from sellerdesk.customers.timeline import timeline_entries

LIST_PAGE_SIZE = 50
# H5's level form (set a level by hand, with its reason); the profile form leaves the
# level to it when it is there.
LEVEL_FORM = "crm/_level_form.html"


# --- the list ----------------------------------------------------------------------------


@staff_required
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}  # an invalid filter is shown and left out
    filters = queries.CustomerListFilters(
        q=data.get("q") or "",
        shop=data.get("shop") or "",
        level=data.get("level") or "",
        tag=data.get("tag"),
        group=data.get("group"),
    )
    try:
        customers = queries.customer_list(filters=filters, actor=logged_in_actor(request))
    except DomainError as error:
        return render(request, "403.html", {"message": error.message}, status=error.status)
    page = Paginator(customers.prefetch_related("tags"), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "customers": page.object_list,
        "filtered": any([filters.q, filters.shop, filters.level, filters.tag, filters.group]),
    }
    return render(request, "crm/customer_list.html", context)


# --- the moves of the customer page -------------------------------------------------------


@dataclass(frozen=True)
class Move:
    permission: str
    form: type[forms.Form]
    run: Callable[[Customer, User, Any, HttpRequest], object]
    done: Promise


def _address_of(customer: Customer, request: HttpRequest) -> CustomerAddress:
    address = CustomerAddress.objects.filter(customer=customer, pk=_int(request.POST.get("address"))).first()
    if address is None:
        raise NotFound(_("No such address."))
    return address


def _address_input(form: Any) -> book.AddressInput:
    return book.AddressInput(**form.cleaned_data)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _untag(customer: Customer, actor: User, request: HttpRequest) -> None:
    tag = CustomerTag.objects.filter(pk=_int(request.POST.get("tag_id"))).first()
    if tag is None:
        raise NotFound(_("No such tag."))
    book.untag_customer(customer=customer, actor=actor, tag=tag)


MOVES: dict[str, Move] = {
    "profile": Move(
        "customers.edit",
        ProfileForm,
        lambda customer, actor, form, request: customer_actions.update_customer(
            customer=customer, actor=actor, changes=form.changes()
        ),
        gettext_lazy("Profile saved."),
    ),
    "add_address": Move(
        "customers.note",
        AddressForm,
        lambda customer, actor, form, request: book.add_address(
            customer=customer, actor=actor, address=_address_input(form)
        ),
        gettext_lazy("Address added."),
    ),
    "change_address": Move(
        "customers.note",
        AddressForm,
        lambda customer, actor, form, request: book.change_address(
            address=_address_of(customer, request), actor=actor, values=_address_input(form)
        ),
        gettext_lazy("Address saved."),
    ),
    "default_address": Move(
        "customers.note",
        forms.Form,
        lambda customer, actor, form, request: book.make_default_address(
            address=_address_of(customer, request), actor=actor
        ),
        gettext_lazy("Default address changed."),
    ),
    "remove_address": Move(
        "customers.note",
        forms.Form,
        lambda customer, actor, form, request: book.remove_address(address=_address_of(customer, request), actor=actor),
        gettext_lazy("Address removed."),
    ),
    "tag": Move(
        "customers.note",
        TagForm,
        lambda customer, actor, form, request: book.tag_customer(
            customer=customer, actor=actor, name=form.cleaned_data["tag"]
        ),
        gettext_lazy("Tag added."),
    ),
    "untag": Move(
        "customers.note",
        forms.Form,
        lambda customer, actor, form, request: _untag(customer, actor, request),
        gettext_lazy("Tag removed."),
    ),
    "note": Move(
        "customers.note",
        NoteForm,
        lambda customer, actor, form, request: book.add_customer_note(
            customer=customer, actor=actor, text=form.cleaned_data["text"], pinned=form.cleaned_data["pinned"]
        ),
        gettext_lazy("Note added."),
    ),
}


def _has_level_form() -> bool:
    try:
        get_template(LEVEL_FORM)
    except TemplateDoesNotExist:
        return False
    return True


def _new_form(key: str, customer: Customer, data: Any = None) -> forms.Form:
    if key == "profile":
        return ProfileForm(data, customer=customer, with_level=not _has_level_form())
    if key == "change_address":  # each address's form has its own prefix on the page
        return AddressForm(data, prefix=f"a{_int(data.get('address'))}")
    return MOVES[key].form(data)


# --- the customer page -------------------------------------------------------------------


@staff_required
def customer_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = logged_in_actor(request)
    customer = _find(actor, pk)
    if request.method != "POST":
        return _render_page(request, customer)
    key = request.POST.get("action", "")
    move = MOVES.get(key)
    if move is None:
        messages.error(request, _("Unknown action."))
        return _render_page(request, customer, status=400)
    if not has_permission(actor, move.permission):
        messages.error(request, _("Your role may not do this (%(permission)s).") % {"permission": move.permission})
        return _render_page(request, customer, status=403)
    form = _new_form(key, customer, request.POST)
    bound = {_bound_key(key, request): form}
    if not form.is_valid():
        messages.error(request, _("Please correct the fields marked below."))
        return _render_page(request, customer, bound=bound, status=422)
    try:
        move.run(customer, actor, form, request)
    except DomainError as error:
        add_refusal_to_form(form, error)
        messages.error(request, error.message)
        return _render_page(request, _find(actor, pk), bound=bound, status=error.status)
    messages.success(request, str(move.done))
    return redirect("crm:customer", pk=customer.pk)


def _bound_key(key: str, request: HttpRequest) -> str:
    """Where a bound form goes back on the page: an address's own edit form by its id."""
    if key == "change_address":
        return f"address-{_int(request.POST.get('address'))}"
    return key


def _find(actor: User, pk: int) -> Customer:
    try:
        return queries.get_customer(customer_id=pk, actor=actor)
    except NotFound:
        raise Http404(str(pk)) from None


def _render_page(
    request: HttpRequest, customer: Customer, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    actor = logged_in_actor(request)
    profile = queries.customer_profile(customer_id=customer.pk, actor=actor)
    bound = bound or {}
    may_edit = has_permission(actor, "customers.edit")
    may_note = has_permission(actor, "customers.note")
    context = {
        "customer": profile.customer,
        "profile": profile,
        "history": profile.history,
        "timeline": timeline_entries(profile.events),  # newest first, in the reader's language
        "may_edit": may_edit,
        "may_note": may_note,
        "may_view_orders": has_permission(actor, "orders.view"),
        "has_level_form": _has_level_form(),
        "profile_form": bound.get("profile") or (_new_form("profile", customer) if may_edit else None),
        "address_form": bound.get("add_address") or AddressForm(),
        "address_forms": [
            (
                address,
                bound.get(f"address-{address.pk}")
                or AddressForm(
                    initial={name: getattr(address, name) for name in AddressForm.base_fields},
                    prefix=f"a{address.pk}",
                ),
            )
            for address in profile.addresses
        ],
        "tag_form": bound.get("tag") or TagForm(),
        "note_form": bound.get("note") or NoteForm(),
        "known_tags": list(CustomerTag.objects.values_list("name", flat=True)[:500]),
        "open_section": next(iter(bound), ""),
        "same_buyer_totals": _same_buyer_totals(profile),
    }
    return render(request, "crm/customer.html", context, status=status)


def _same_buyer_totals(profile: queries.CustomerProfile) -> BuyerTotals | None:
    return buyer_totals(profile.customer, profile.same_buyer) if profile.same_buyer else None
