"""The buyer portal's pages (/portal/): signing in with a code, the buyer's orders, an
order with its tracking, receipt and rating.

Thin views: parse, call portal.auth / portal.buyer, render. A buyer is known by the
portal's own session key (never a staff login); every page asks portal.buyer for the
order or case *of that customer*, so anyone else's is a 404 like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.core.errors import DomainError, NotFound
from sellerdesk.core.web import add_refusal_to_form, error_text
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.portal import auth, buyer
from sellerdesk.portal.forms import RatingForm, SendCodeForm, SignInForm

View = Callable[..., HttpResponseBase]


def buyer_required(view: View) -> View:
    """Signed in to the portal (else to its sign-in page); the customer is request.buyer."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        customer = auth.session_customer(request)
        if customer is None:
            return redirect(f"{reverse('portal:sign_in')}?{urlencode({'next': request.get_full_path()})}")
        request.buyer = customer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    # Marks a buyer's page wherever it is served (the service desk's chat page too):
    # signing in may return to it (_safe_next).
    guarded.portal_buyer_page = True  # type: ignore[attr-defined]
    return guarded


def current_buyer(request: HttpRequest) -> Customer:
    return cast(Customer, request.buyer)  # type: ignore[attr-defined]


def page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"buyer": getattr(request, "buyer", None), **context}, status=status)


def order_or_404(request: HttpRequest, number: str) -> Order:
    try:
        return buyer.order_of(current_buyer(request), number)
    except NotFound:
        raise Http404(_("No order %(number)s.") % {"number": number}) from None


# --- signing in ------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a buyer's page of this site (a view behind buyer_required): never a redirect
    # to another site or to the staff side.
    if target.startswith("/") and not target.startswith("//") and _is_buyer_page(target):
        return target
    return reverse("portal:orders")


def _is_buyer_page(target: str) -> bool:
    try:
        match = resolve(urlsplit(target).path)
    except Resolver404:
        return False
    return bool(getattr(match.func, "portal_buyer_page", False))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if auth.session_customer(request) is not None:
        return redirect("portal:orders")
    return redirect("portal:sign_in")


def _sign_in_page(
    request: HttpRequest, form: SendCodeForm, *, sent: bool, status: int = 200, **context: Any
) -> HttpResponse:
    return page(
        request,
        "portal/sign_in.html",
        {"form": form, "sent": sent, "next": _safe_next(request), **context},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def send_code(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("portal:sign_in")
    form = SendCodeForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, form, sent=False, status=422)
    try:
        asked = auth.request_code(order_number=form.cleaned_data["order_number"], phone=form.cleaned_data["phone"])
    except auth.TooManyCodes as error:
        return _sign_in_page(request, form, sent=False, status=429, error=error.message)
    code_form = SignInForm(initial=form.cleaned_data)
    shown = asked.code if auth.show_codes() else None
    return _sign_in_page(request, code_form, sent=True, expires_at=asked.expires_at, shown_code=shown)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        if auth.session_customer(request) is not None:
            return redirect(_safe_next(request))
        return _sign_in_page(request, SendCodeForm(), sent=False)
    form = SignInForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, form, sent=True, status=422)
    try:
        signed_in = auth.check_code(
            order_number=form.cleaned_data["order_number"],
            phone=form.cleaned_data["phone"],
            code=form.cleaned_data["code"],
        )
    except auth.SignInRefused as error:
        return _sign_in_page(request, form, sent=True, status=401, error=error.message)
    auth.sign_in_session(request, signed_in)
    return redirect(_safe_next(request))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    auth.sign_out_session(request)
    return redirect("portal:sign_in")


# --- orders ------------------------------------------------------------------------------


@buyer_required
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    customer = current_buyer(request)
    found = list(buyer.orders_of(customer).prefetch_related("lines")[:100])
    return page(request, "portal/orders.html", {"orders": found, "cases": buyer.cases_of(customer)[:50]})


def _order_page(
    request: HttpRequest, order: Order, *, rating_form: RatingForm | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "timeline": buyer.order_timeline(order),
        "may_confirm": buyer.may_confirm_receipt(order),
        "rating": buyer.buyer_rating(order),
        "may_rate": buyer.may_rate(order, now=now),
        "rating_form": rating_form or RatingForm(),
        "cases": list(buyer.cases_of(current_buyer(request)).filter(order=order)),
        "case_types": buyer.case_types_for(order),
    }
    return page(request, "portal/order.html", context, status=status)


@buyer_required
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _order_page(request, order_or_404(request, number))


@buyer_required
@require_POST
def confirm_receipt(request: HttpRequest, number: str) -> HttpResponse:
    order = order_or_404(request, number)
    try:
        buyer.confirm_receipt(customer=current_buyer(request), number=order.number)
    except DomainError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Thank you: receipt of %(number)s is confirmed.") % {"number": order.number})
    return redirect("portal:order", number=order.number)


@buyer_required
@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    order = order_or_404(request, number)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _order_page(request, order, rating_form=form, status=422)
    try:
        buyer.rate(
            customer=current_buyer(request),
            number=order.number,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as error:
        add_refusal_to_form(form, error)
        return _order_page(request, order, rating_form=form, status=error.status)
    messages.success(request, _("Thank you for your rating."))
    return redirect("portal:order", number=order.number)
