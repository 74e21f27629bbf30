"""Staff screens for orders: the list and the order page.

Thin by design: parse with a form, call one query or one action, render. A DomainError
from an action is shown on the page (nothing was changed); a success redirects back to
the order page with a message (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from sellerdesk.core.hooks import PortNotProvided
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders import changes as order_changes
from sellerdesk.orders.bulk import BULK_LABELS, BULK_MAX, BULK_PERMISSIONS, BulkAction, refusal_text, run_bulk
from sellerdesk.orders.forms import (
    COMMON_CARRIERS,
    CancelForm,
    EmptyForm,
    FlagForm,
    HoldForm,
    NoteForm,
    PricesForm,
    QueueBulkForm,
    ReleaseForm,
    ShipForm,
)
from sellerdesk.orders.forms_list import BulkForm, OrderListForm
from sellerdesk.orders.hooks import REMINDER_BADGES
from sellerdesk.orders.models import Order, SavedView
from sellerdesk.orders.queries import (
    UNASSIGNED,
    OrderFilters,
    filter_orders,
    get_order,
    matching_numbers,
    numbers_not_found,
    search_orders,
)
from sellerdesk.orders.review import actions as review_actions
from sellerdesk.orders.review.queue import review_queue
from sellerdesk.orders.review.rules import reason_label
from sellerdesk.orders.states import (
    AWAITING_RECEIPT,
    BEFORE_THE_WAREHOUSE,
    COD_PAYABLE_STATUSES,
    OrderStatus,
    PaymentStatus,
    allowed_actions,
)
from sellerdesk.orders.timeline import method_label, timeline_entry
from sellerdesk.shops.access import limit_to_visible_shops

RESULTS_TARGET = "order-results"


# --- the list ---------------------------------------------------------------------------


@staff_required
def order_list(request: HttpRequest) -> HttpResponse:
    """The order list; a POST is a bulk move on the ticked orders (see `_bulk_moves`)."""
    form = OrderListForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # invalid fields are shown and left out of the filters
    filters = form.filters(request.GET.get("page"))
    extra: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        bulk_form = BulkForm(request.POST)
        outcome = _bulk_moves(request, bulk_form, filters)
        if isinstance(outcome, HttpResponse):
            return outcome
        status, extra = outcome
    try:
        page = search_orders(filters=filters, actor=logged_in_actor(request))
    except DomainError as error:
        return _error_page(request, error)
    counts = dict(
        limit_to_visible_shops(filter_orders(filters.model_copy(update={"status": None})), logged_in_actor(request))
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    tabs = [{"value": "", "label": _("All"), "count": sum(counts.values())}]
    tabs += [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in OrderStatus.choices]
    _attach_reminder_badges(page.object_list)
    user = logged_in_actor(request)
    here = request.GET.copy()
    here.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "orders": page.object_list,
        "tabs": tabs,
        "current_status": filters.status.value if filters.status else "",
        "filtered": bool(
            filters.q or filters.numbers or filters.shop or filters.assignee or filters.date_from or filters.date_to
        ),
        "not_found": numbers_not_found(filters.numbers, actor=user) if filters.numbers.strip() else [],
        "listed": filters.numbers.strip() != "",
        "saved_views": list(SavedView.objects.filter(user=user)),
        "current_query": here.urlencode(),
        "bulk_form": extra.pop("bulk_form", None) or BulkForm(),
        "bulk_moves": [
            (str(action), label)
            for action, label in BULK_LABELS.items()
            if has_permission(user, BULK_PERMISSIONS[action])
        ],
        "may_export": has_permission(user, "customers.export"),
        **extra,
    }
    # A live-filter request from the search form swaps only the results.
    partial = getattr(request, "htmx", None) and request.htmx.target == RESULTS_TARGET  # type: ignore[attr-defined]
    template = "orders/partials/results.html" if partial else "orders/list.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _bulk_moves(
    request: HttpRequest, form: BulkForm, filters: OrderFilters
) -> HttpResponse | tuple[int, dict[str, Any]]:
    """Run the bulk move on the ticked orders, or on every order the filters select ("all
    matching"; more than BULK_MAX is refused whole); all done: a message and back to the
    same list (post/redirect/get); otherwise the list again with each order's outcome (or
    the form's errors)."""
    # What was ticked stays ticked when the list shows again (to retry or change the move).
    ticked = set(form.numbers())
    if not form.is_valid():
        return 422, {"bulk_form": form, "ticked": ticked}
    assignee = None
    username = form.cleaned_data.get("assignee") or ""
    if form.cleaned_data["action"] == BulkAction.ASSIGN and username != UNASSIGNED:
        assignee = User.objects.filter(username=username).first()
    try:
        results = run_bulk(
            action=BulkAction(form.cleaned_data["action"]),
            numbers=(
                matching_numbers(filters=filters, actor=logged_in_actor(request), limit=BULK_MAX + 1)
                if form.cleaned_data.get("all_matching")
                else form.numbers()
            ),
            actor=logged_in_actor(request),
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["reason"],
            assignee=assignee,
        )
    except DomainError as error:
        form.add_error(None, refusal_text(error))
        return error.status, {"bulk_form": form, "ticked": ticked}
    done = sum(1 for result in results if result.ok)
    if done == len(results):
        messages.success(request, _("%(n)s order(s) done.") % {"n": done})
        return redirect(request.get_full_path())
    refused = {result.number for result in results if not result.ok}
    return 409, {"bulk_form": form, "bulk_results": results, "bulk_done": done, "ticked": refused}


def _attach_reminder_badges(orders: Any) -> None:
    """Each order of the page gets `reminder_badge` ("12.04 阿华 已催付") or None: one query
    for the page, asked of the app that reminds (none when it is not installed)."""
    try:
        badges_of = REMINDER_BADGES.get()
    except PortNotProvided:
        return
    orders = list(orders)
    badges = badges_of([order.pk for order in orders]) if orders else {}
    for order in orders:
        order.reminder_badge = badges.get(order.pk)


# --- the moves an order page offers ------------------------------------------------------


@dataclass(frozen=True)
class Move:
    label: Promise
    permission: str
    form: type[forms.Form]
    run: Callable[[Order, User, Any], object]
    done: Promise


MOVES: dict[str, Move] = {
    "approve": Move(
        gettext_lazy("Approve"),
        "orders.approve",
        EmptyForm,
        lambda order, actor, form: order_actions.approve_order(order=order, actor=actor),
        gettext_lazy("Order approved."),
    ),
    "ship": Move(
        gettext_lazy("Ship"),
        "orders.ship",
        ShipForm,
        lambda order, actor, form: order_actions.ship_order(
            order=order,
            actor=actor,
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
        ),
        gettext_lazy("Order shipped."),
    ),
    "deliver": Move(
        gettext_lazy("Mark delivered"),
        "orders.deliver",
        EmptyForm,
        lambda order, actor, form: order_actions.deliver_order(order=order, actor=actor),
        gettext_lazy("Order marked as delivered."),
    ),
    "confirm_receipt": Move(
        gettext_lazy("Confirm receipt"),
        "orders.confirm_receipt",
        EmptyForm,
        lambda order, actor, form: order_actions.confirm_receipt(order=order, actor=actor),
        gettext_lazy("Receipt confirmed; the order is completed."),
    ),
    "reprice": Move(
        gettext_lazy("Change prices"),
        "orders.reprice",
        PricesForm,
        lambda order, actor, form: order_actions.change_line_prices(
            order=order, actor=actor, prices=form.prices(), reason=form.cleaned_data["reason"]
        ),
        gettext_lazy("Prices changed."),
    ),
    "cancel": Move(
        gettext_lazy("Cancel order"),
        "orders.cancel",
        CancelForm,
        lambda order, actor, form: (
            review_actions.cancel_held_order if order.status == OrderStatus.ON_HOLD else order_actions.cancel_order
        )(order=order, actor=actor, reason=form.cleaned_data["reason"]),
        gettext_lazy("Order cancelled."),
    ),
    "hold": Move(
        gettext_lazy("Hold for review"),
        "orders.hold",
        HoldForm,
        lambda order, actor, form: review_actions.hold_order(
            order=order, actor=actor, reason=form.cleaned_data["reason"]
        ),
        gettext_lazy("Order held in the exception queue."),
    ),
    "release": Move(
        gettext_lazy("Release and approve"),
        "orders.release",
        ReleaseForm,
        lambda order, actor, form: review_actions.release_order(
            order=order, actor=actor, note=form.cleaned_data["note"]
        ),
        gettext_lazy("Order released and approved."),
    ),
    "note": Move(
        gettext_lazy("Add note"),
        "orders.note",
        NoteForm,
        lambda order, actor, form: order_actions.add_note(order=order, actor=actor, text=form.cleaned_data["text"]),
        gettext_lazy("Note added."),
    ),
    "flag": Move(
        gettext_lazy("Set flag"),
        "orders.flag",
        FlagForm,
        lambda order, actor, form: order_actions.set_flag(
            order=order, actor=actor, color=form.cleaned_data["color"], reason=form.cleaned_data["reason"]
        ),
        gettext_lazy("Flag saved."),
    ),
}


def register_move(key: str, move: Move) -> None:
    """Offer a move that an app above orders handles (payments registers "pay") on the
    order page; called from that app's AppConfig.ready()."""
    MOVES[key] = move


# Moves of the status machine, in the order their buttons appear; notes and flags are
# always there (for roles that may use them).
STATUS_MOVES = ["pay", "approve", "release", "hold", "ship", "deliver", "confirm_receipt", "reprice", "cancel"]
ALWAYS_MOVES = ["note", "flag"]


def available_moves(order: Order, user: Any) -> list[str]:
    """The moves this order's status allows and this user's role may make."""
    allowed = {action.value for action in allowed_actions(order.status)}
    if order.payment_status == PaymentStatus.COD and order.status in COD_PAYABLE_STATUSES and order.balance_due > 0:
        allowed.add("pay")  # cash collected on delivery is recorded afterwards
    if order.amount_owed > 0 and order.status in BEFORE_THE_WAREHOUSE:
        allowed.add("pay")  # the difference a change left owing, collected before it ships
    if order.status == OrderStatus.ON_HOLD and "approve" in allowed:
        allowed = (allowed - {"approve"}) | {"release"}  # approving a held order resolves its holds
    # A move no installed app handles ("pay" without payments) is not offered.
    keys = [key for key in STATUS_MOVES if key in allowed and key in MOVES] + ALWAYS_MOVES
    return [key for key in keys if has_permission(user, MOVES[key].permission)]


# --- the order page ----------------------------------------------------------------------


@staff_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = _find(request, number)
    if request.method != "POST":
        return _render_detail(request, order)
    key = request.POST.get("action", "")
    move = MOVES.get(key)
    if move is None:
        messages.error(request, _("Unknown action."))
        return _render_detail(request, order, status=400)
    form = move.form(request.POST, order=order)  # type: ignore[call-arg]
    if not form.is_valid():
        messages.error(request, _("%(move)s: please correct the fields marked below.") % {"move": move.label})
        return _render_detail(request, order, bound={key: form}, status=422)
    try:
        move.run(order, logged_in_actor(request), form)
    except DomainError as error:
        if isinstance(error, ValidationFailed):
            for field, reason in error.fields.items():
                form.add_error(field if field in form.fields else None, reason)
        messages.error(request, _("%(move)s: %(error)s") % {"move": move.label, "error": _error_text(error)})
        return _render_detail(request, _find(request, number), bound={key: form}, status=error.status)
    messages.success(request, str(move.done))
    return redirect("orders:detail", number=order.number)


def _find(request: HttpRequest, number: str) -> Order:
    try:
        return get_order(number=number, actor=logged_in_actor(request))
    except NotFound:
        raise Http404(number) from None


def _render_detail(
    request: HttpRequest, order: Order, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    moves = available_moves(order, request.user)
    forms_by_move = {key: MOVES[key].form(order=order) for key in moves}  # type: ignore[call-arg]
    forms_by_move.update(bound or {})
    events = list(order.events.select_related("actor").order_by("at", "pk"))
    payments = [
        (payment, method_label(payment.method))
        for payment in order.payments.select_related("recorded_by").order_by("received_at", "pk")  # type: ignore[attr-defined]
    ]
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "payments": payments,
        "notes": list(order.notes.select_related("author").order_by("at", "pk")),
        "timeline": [timeline_entry(event) for event in events],  # rendered in the reader's language
        "moves": moves,
        "status_moves": [key for key in moves if key in STATUS_MOVES],
        "move_labels": {key: MOVES[key].label for key in MOVES},
        "forms": forms_by_move,
        "carriers": COMMON_CARRIERS,
        "holds": [
            (hold, reason_label(hold.reason))
            for hold in order.holds.filter(resolved_at__isnull=True).select_related("created_by")
        ],
        "extend_days": EXTEND_DAYS,
        # Its automatic confirmation of receipt may be extended while it awaits receipt.
        "awaiting_receipt": order.status in AWAITING_RECEIPT,
        # The change panel is offered while the lines, address or carrier may still change.
        "may_be_changed": order.status in order_changes.CHANGEABLE | order_changes.SHIPPING_CHANGEABLE,
    }
    return render(request, "orders/detail.html", context, status=status)


# 延长收货: the usual extensions offered on the order page (the API takes any up to the maximum).
EXTEND_DAYS = (3, 5, 7, 10)


def _error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "403.html", {"message": _error_text(error)}, status=error.status)


def _error_text(error: DomainError) -> str:
    # An illegal move is worded by orders.bulk (translated status and move); the bulk
    # moves add a refused field's reason, which this page shows at the field instead.
    return refusal_text(error) if isinstance(error, InvalidTransition) else error.message


# --- the exception queue -----------------------------------------------------------------


@dataclass(frozen=True)
class BulkOutcome:
    number: str
    ok: bool
    message: str


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """Held orders grouped by reason, with bulk approve (release) and cancel."""
    reason = request.GET.get("reason") or None
    shop = request.GET.get("shop") or None
    outcomes: list[BulkOutcome] = []
    form = None
    status = 200
    if request.method == "POST":
        numbers = request.POST.getlist("orders")
        form = QueueBulkForm(request.POST, numbers=numbers)
        if form.is_valid():
            outcomes = _bulk(request, form)
            if all(outcome.ok for outcome in outcomes):
                messages.success(request, _("%(n)s order(s) done.") % {"n": len(outcomes)})
                return redirect(request.get_full_path())
            status = 409
        else:
            status = 422
    try:
        page = review_queue(actor=logged_in_actor(request), reason=reason, shop=shop, page=request.GET.get("page"))
    except DomainError as error:
        return _error_page(request, error)
    tabs = [{"value": "", "label": _("All"), "count": page.total}]
    tabs += [{"value": code, "label": reason_label(code), "count": n} for code, n in sorted(page.counts.items())]
    context = {
        "page": page.page,
        "orders": [
            (order, [(hold, reason_label(hold.reason)) for hold in order.open_holds])  # type: ignore[attr-defined]
            for order in page.page.object_list
        ],
        "tabs": tabs,
        "current_reason": reason or "",
        "shop": shop or "",
        "form": form,
        "outcomes": outcomes,
        "may_release": has_permission(logged_in_actor(request), "orders.release"),
        "may_cancel": has_permission(logged_in_actor(request), "orders.cancel"),
    }
    return render(request, "orders/review_queue.html", context, status=status)


def _bulk(request: HttpRequest, form: QueueBulkForm) -> list[BulkOutcome]:
    """Each selected order in its own transaction: it is either fully done or untouched."""
    action = form.cleaned_data["action"]
    text = form.cleaned_data["reason"]
    outcomes = []
    for number in form.cleaned_data["orders"]:
        try:
            order = get_order(number=number, actor=logged_in_actor(request))
            if action == "release":
                review_actions.release_order(order=order, actor=logged_in_actor(request), note=text)
            else:
                review_actions.cancel_held_order(order=order, actor=logged_in_actor(request), reason=text)
        except DomainError as error:
            outcomes.append(BulkOutcome(number, False, _error_text(error)))
        else:
            outcomes.append(BulkOutcome(number, True, ""))
    return outcomes
