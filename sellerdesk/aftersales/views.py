"""The after-sales staff screens under /aftersales/: the queue with its bulk decisions,
the case page beside its order and parcels, the case's moves, the order page's section
and the form that opens a case. Thin: parse, call one action or query, render. A refused
action is shown on the page as a message (core.web.show_refusal), never a 500.

The inspection desk, the dispute page, the work lists and the figures are in
aftersales.desk_views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.aftersales import (
    actions,
    complaints,
    disputes,
    documents,
    evidence,
    forms,
    queries,
    refunds,
    replacements,
    returns,
    states,
)
from sellerdesk.aftersales.models import REFUND_TYPES, Case, CaseSource, CaseStatus, CaseType
from sellerdesk.aftersales.policies import policy_for
from sellerdesk.aftersales.states import CaseAction
from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import PERMISSIONS, has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import add_refusal_to_form, error_text, form_field_errors, logged_in_actor, show_refusal
from sellerdesk.orders.queries import get_order

# Who may be given a case (assign_case refuses anyone else).
HANDLERS = PERMISSIONS["aftersales.handle"]

# The queue's tabs, in the order a case moves.
TABS: list[tuple[str, Promise]] = [
    ("open", gettext_lazy("Open")),
    ("overdue", gettext_lazy("Overdue")),
    (CaseStatus.REQUESTED.value, CaseStatus.REQUESTED.label),
    (CaseStatus.APPROVED.value, CaseStatus.APPROVED.label),
    (CaseStatus.AWAITING_RETURN.value, CaseStatus.AWAITING_RETURN.label),
    (CaseStatus.RECEIVED.value, CaseStatus.RECEIVED.label),
    (CaseStatus.INSPECTED.value, CaseStatus.INSPECTED.label),
    (CaseStatus.REPAIRING.value, CaseStatus.REPAIRING.label),
    (CaseStatus.REFUNDING.value, CaseStatus.REFUNDING.label),
    (CaseStatus.REPLACEMENT_SHIPPED.value, CaseStatus.REPLACEMENT_SHIPPED.label),
    (CaseStatus.DISPUTED.value, CaseStatus.DISPUTED.label),
    (CaseStatus.REJECTED.value, CaseStatus.REJECTED.label),
    (CaseStatus.REFUNDED.value, CaseStatus.REFUNDED.label),
    (CaseStatus.CLOSED.value, CaseStatus.CLOSED.label),
    (CaseStatus.CANCELED.value, CaseStatus.CANCELED.label),
    ("all", gettext_lazy("All")),
]


def _case_or_404(request: HttpRequest, number: str) -> Case:
    try:
        return queries.get_case(number=number, actor=logged_in_actor(request))
    except NotFound as error:
        raise Http404(error.message) from None


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


def _form_refused(request: HttpRequest, form: Any) -> None:
    show_refusal(request, ValidationFailed(form_field_errors(form)))


# --- the queue --------------------------------------------------------------------------------


@staff_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The after-sales queue (售后): tabs by state, filters, overdue first, bulk decisions."""
    actor = logged_in_actor(request)
    form = forms.QueueFilterForm(request.GET or None, actor=actor)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    tab = request.GET.get("status", "open") or "open"
    if tab not in dict(TABS):
        tab = "open"
    overdue_only = bool(data.get("overdue")) or tab == "overdue"
    status = "open" if tab == "overdue" else tab
    shop_id = int(data["shop"]) if data.get("shop") else None
    case_type = data.get("type") or None
    page_number = request.GET.get("page", "1")
    try:
        page = queries.case_queue(
            actor=actor,
            status=status,
            type=case_type,
            shop_id=shop_id,
            overdue_only=overdue_only,
            search=data.get("q", ""),
            page=int(page_number) if page_number.isdigit() else 1,
        )
        counts = queries.queue_counts(actor=actor, type=case_type, shop_id=shop_id)
    except DomainError as error:
        # Shown above an empty queue (a redirect to the queue would loop).
        show_refusal(request, error)
        page, counts = None, {}
    kept = {key: value for key, value in request.GET.items() if key not in ("status", "page") and value}
    context = {
        "form": form,
        "page": page,
        "cases": list(page.object_list) if page else [],
        "tab": tab,
        "tabs": [(key, label, counts.get(key, 0), urlencode({**kept, "status": key})) for key, label in TABS],
        "kept": urlencode({**kept, "status": tab}),
        "here": request.get_full_path(),
        "may_decide": has_permission(actor, "aftersales.handle"),
    }
    return render(request, "aftersales/queue.html", context)


# --- the case page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    """A move the case page offers: its form's key, label and whether this user may."""

    key: str
    label: Any
    permission: str


# The buttons each move of the transition table shows (the table says when, the
# permission says who; the actions check both again).
MOVE_BUTTONS: dict[CaseAction, Button] = {
    CaseAction.APPROVE: Button("approve", gettext_lazy("Approve"), "aftersales.handle"),
    CaseAction.REJECT: Button("reject", gettext_lazy("Reject"), "aftersales.handle"),
    CaseAction.CANCEL: Button("cancel", gettext_lazy("Cancel the case"), "aftersales.handle"),
    CaseAction.RECEIVE: Button("receive", gettext_lazy("Receive at the inspection desk"), "aftersales.receive"),
    CaseAction.INSPECT: Button("inspect", gettext_lazy("Inspect at the inspection desk"), "aftersales.receive"),
    CaseAction.REPAIR: Button("repair", gettext_lazy("Send to repair"), "aftersales.handle"),
    CaseAction.REFUND: Button("refund", gettext_lazy("Refund"), "aftersales.refund"),
    CaseAction.SHIP_REPLACEMENT: Button("replacement", gettext_lazy("Send the replacement"), "aftersales.handle"),
    CaseAction.CLOSE: Button("close", gettext_lazy("Close the case"), "aftersales.handle"),
    CaseAction.DISPUTE: Button("dispute", gettext_lazy("Open a dispute"), "aftersales.handle"),
}


def case_buttons(case: Case, user: Any) -> dict[str, Button]:
    """The moves the transition table allows from the case's status that this user's
    role may make, by form key (views only hide; the actions check)."""
    shown: dict[str, Button] = {}
    for action in states.allowed_actions(case.status):
        button = MOVE_BUTTONS.get(action)
        if button is None or not has_permission(user, button.permission):
            continue
        if action == CaseAction.REPAIR and case.type != CaseType.REPAIR:
            continue
        if action == CaseAction.SHIP_REPLACEMENT and case.type not in (
            CaseType.EXCHANGE,
            CaseType.REISSUE,
            CaseType.REPAIR,
        ):
            continue
        if action == CaseAction.REFUND and case.type not in REFUND_TYPES:
            continue
        shown[button.key] = button
    return shown


def _case_context(request: HttpRequest, view: queries.CaseView, bound: dict[str, Any]) -> dict[str, Any]:
    actor = logged_in_actor(request)
    case = view.case
    buttons = case_buttons(case, actor)
    policy = policy_for(case.shop_id)
    asked = case.requested_amount
    # Above the shop's limit only a supervisor approves: an agent sees why, not the button.
    needs_supervisor = asked > policy.agent_approval_limit and not has_permission(actor, "aftersales.approve_large")
    context: dict[str, Any] = {
        "view": view,
        "case": case,
        "order": view.order,
        "buttons": buttons,
        "policy": policy,
        "needs_supervisor": needs_supervisor,
        "may_handle": has_permission(actor, "aftersales.handle"),
        "may_arbitrate": has_permission(actor, "aftersales.arbitrate"),
        "approve_form": bound.get("approve") or forms.ApproveForm(initial={"amount": asked if asked else None}),
        "reject_form": bound.get("reject") or forms.RejectForm(),
        "note_form": bound.get("note") or forms.NoteForm(),
        "message_form": bound.get("message") or forms.MessageForm(),
        "evidence_form": bound.get("evidence") or forms.EvidenceForm(),
        "staff": User.objects.filter(is_active=True, role__in=[role.value for role in HANDLERS]).order_by("username"),
        "timeline": view.events,  # CaseEvent.text renders in the reader's language
        "is_overdue": bool(case.due_at and case.status in states.OPEN_STATUSES and case.due_at < timezone.now()),
        "parcel_form": bound.get("return_parcel") or forms.ReturnParcelForm(),
        "dispute_form": bound.get("dispute") or forms.DisputeForm(),
    }
    if "refund" in buttons:
        try:
            form = bound.get("refund") or refund_form(case, view.lines)
        except DomainError as error:
            context["refund_refusal"] = error_text(error)
        else:
            total = refund_total(form)
            context["refund_form"] = form
            context["refund_total"] = total
            # start_refund asks a supervisor above the agent's limit: say so before the click.
            context["refund_needs_supervisor"] = total > policy.agent_approval_limit and not has_permission(
                actor, "aftersales.approve_large"
            )
    if case.type == CaseType.COMPLAINT:
        done = case.checklist or {}
        context["complaint"] = [
            (step, complaints.step_label(step), complaints.STEP_HINTS.get(step, ""), _ticked_at(done.get(step)))
            for step in complaints.CHECKLIST
        ]
        context["complaint_form"] = bound.get("resolve_complaint") or forms.ResolveComplaintForm()
        context["complaint_open"] = case.status not in (CaseStatus.CLOSED, CaseStatus.CANCELED)
    return context


def _ticked_at(value: Any) -> Any:
    """A complaint step's stored tick time as a datetime (the page shows it as a date and
    time in the reader's zone, not an ISO string); a value that does not read as one is
    given back as it is (still truthy: the step is done)."""
    if not value:
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return value


def _render_case(
    request: HttpRequest, number: str, *, status: int = 200, bound: dict[str, Any] | None = None
) -> HttpResponse:
    try:
        view = queries.case_detail(number=number, actor=logged_in_actor(request))
    except NotFound as error:
        raise Http404(error.message) from None
    return render(request, "aftersales/case.html", _case_context(request, view, bound or {}), status=status)


@staff_required
@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    return _render_case(request, number)


# --- the case's moves: one POST view, one handler per move --------------------------------------

# handler(request, case, actor) → the success message (or a response of its own); raises
# DomainError (shown on the page as a message) or FormInvalid (the page again, its form
# with the errors).
Handler = Callable[[HttpRequest, Case, User], Any]
CASE_MOVES: dict[str, Handler] = {}


def case_move(key: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        CASE_MOVES[key] = handler
        return handler

    return register


class FormInvalid(Exception):
    """A form that did not parse: the page is shown again with its errors."""

    def __init__(self, key: str, form: Any) -> None:
        super().__init__(key)
        self.key = key
        self.form = form


def parsed(key: str, form: Any) -> Any:
    """The form's cleaned data, or FormInvalid to show it again with its errors."""
    if not form.is_valid():
        raise FormInvalid(key, form)
    return form.cleaned_data


@staff_required
@require_POST
def case_action(request: HttpRequest, number: str, move: str) -> HttpResponse:
    handler = CASE_MOVES.get(move)
    if handler is None:
        raise Http404(move)
    case = _case_or_404(request, number)
    try:
        done = handler(request, case, logged_in_actor(request))
    except FormInvalid as invalid:
        messages.error(request, _("Please correct the fields marked below."))
        return _render_case(request, number, status=422, bound={invalid.key: invalid.form})
    except DomainError as error:
        show_refusal(request, error)
        return _back(request, reverse("aftersales:case", kwargs={"number": number}))
    if isinstance(done, HttpResponse):
        return done
    if done:
        messages.success(request, str(done))
    return _back(request, reverse("aftersales:case", kwargs={"number": number}))


# --- the order page's section and the form that opens a case -----------------------------------


@staff_required
@require_GET
def order_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The order page's after-sales section (loaded with htmx): its cases and the button
    that opens one."""
    actor = logged_in_actor(request)
    try:
        order = get_order(number=number, actor=actor)
        cases = queries.cases_of_order(order=order, actor=actor)
    except DomainError as error:
        return render(request, "aftersales/partials/order_panel.html", {"refusal": error_text(error)})
    context = {"order": order, "cases": cases, "may_open": has_permission(actor, "aftersales.handle")}
    return render(request, "aftersales/partials/order_panel.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def open_case_page(request: HttpRequest, number: str) -> HttpResponse:
    """Open an after-sales case on an order: type, reason, what the buyer says, and the
    units of each line (how many may still be asked is shown beside each)."""
    actor = logged_in_actor(request)
    try:
        order = get_order(number=number, actor=actor)
    except NotFound as error:
        raise Http404(error.message) from None
    order_lines = list(order.lines.order_by("position", "pk"))
    askable = {line.order_line_id: line for line in actions.refundable_lines(order)}
    shipped = actions.is_shipped(order)
    form = forms.OpenCaseForm(
        request.POST or None,
        order_lines=order_lines,
        initial={"type": CaseType.RETURN_REFUND if shipped else CaseType.REFUND_BEFORE_SHIPPING},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            codes = form.replacement_codes()
            skus = dict(Sku.objects.filter(code__in=set(codes.values())).values_list("code", "pk"))
            lines = [
                actions.LineRequest(
                    order_line_id=line_id, quantity=quantity, replacement_sku_id=skus.get(codes.get(line_id, ""))
                )
                for line_id, quantity in form.quantities().items()
            ]
            try:
                unknown = {
                    f"swap_{line_id}": _("No SKU %(code)s.") % {"code": code}
                    for line_id, code in codes.items()
                    if code not in skus
                }
                if unknown:
                    raise ValidationFailed(unknown)
                case = actions.open_case(
                    order=order,
                    type=data["type"],
                    reason=data["reason"],
                    lines=lines,
                    description=data.get("description", ""),
                    requested_amount=data.get("requested_amount"),
                    source=CaseSource.AGENT,
                    actor=actor,
                )
            except DomainError as error:
                add_refusal_to_form(form, error)
                status = error.status
            else:
                messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
                return redirect("aftersales:case", number=case.number)
    rows = [(line, field, swap, askable.get(line.pk)) for line, field, swap in form.line_fields()]
    return render(request, "aftersales/open_case.html", {"order": order, "form": form, "rows": rows}, status=status)


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Approve or reject the ticked cases; each refused one is named with its reason."""
    fallback = reverse("aftersales:queue")
    form = forms.BulkForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
        return _back(request, fallback)
    data = form.cleaned_data
    actor = logged_in_actor(request)
    try:
        if data["decision"] == "approve":
            result = actions.bulk_approve(case_ids=data["ids"], actor=actor)
        else:
            result = actions.bulk_reject(case_ids=data["ids"], actor=actor, reason=data["reason"])
    except DomainError as error:
        show_refusal(request, error)
        return _back(request, fallback)
    if result.done:
        done = (_("Approved: %(cases)s.") if data["decision"] == "approve" else _("Rejected: %(cases)s.")) % {
            "cases": ", ".join(result.done)
        }
        messages.success(request, done)
    for number, reason in result.refused.items():
        messages.error(request, _("%(case)s refused: %(reason)s") % {"case": number, "reason": reason})
    return _back(request, fallback)


# --- the moves of H1's actions ----------------------------------------------------------------


@case_move("approve")
def _approve(request: HttpRequest, case: Case, actor: User) -> str:
    data = parsed("approve", forms.ApproveForm(request.POST))
    done = actions.approve_case(case=case, actor=actor, amount=data.get("amount"), note=data.get("note", ""))
    return _("Case %(number)s approved: %(status)s.") % {"number": done.number, "status": done.get_status_display()}


@case_move("reject")
def _reject(request: HttpRequest, case: Case, actor: User) -> str:
    data = parsed("reject", forms.RejectForm(request.POST))
    actions.reject_case(case=case, actor=actor, reason=data["reason"])
    return _("Case %(number)s rejected.") % {"number": case.number}


@case_move("cancel")
def _cancel(request: HttpRequest, case: Case, actor: User) -> str:
    actions.cancel_case(case=case, actor=actor)
    return _("Case %(number)s canceled.") % {"number": case.number}


@case_move("close")
def _close(request: HttpRequest, case: Case, actor: User) -> str:
    actions.close_case(case=case, actor=actor)
    return _("Case %(number)s closed.") % {"number": case.number}


@case_move("assign")
def _assign(request: HttpRequest, case: Case, actor: User) -> str:
    data = parsed("assign", forms.AssignForm(request.POST))
    username = (data.get("assignee") or "").strip()
    assignee = None
    if username:
        assignee = User.objects.filter(username=username, is_active=True).first()
        if assignee is None:
            raise ValidationFailed({"assignee": _("No member of staff %(name)s.") % {"name": username}})
    actions.assign_case(case=case, assignee=assignee, actor=actor)
    if assignee is None:
        return _("Case %(number)s given to nobody.") % {"number": case.number}
    return _("Case %(number)s given to %(name)s.") % {"number": case.number, "name": assignee.signature}


@case_move("note")
def _note(request: HttpRequest, case: Case, actor: User) -> str:
    data = parsed("note", forms.NoteForm(request.POST))
    actions.add_note(case=case, actor=actor, text=data["text"])
    return _("Note added.")


@case_move("message")
def _message(request: HttpRequest, case: Case, actor: User) -> str:
    data = parsed("message", forms.MessageForm(request.POST))
    actions.post_message(case=case, body=data["body"], actor=actor, from_buyer=False)
    return _("Reply sent to the buyer.")


# --- the return leg, the goods going out (H1's returns and replacements) -------------------------


@case_move("return_parcel")
def _return_parcel(request: HttpRequest, case: Case, actor: User) -> str:
    data = parsed("return_parcel", forms.ReturnParcelForm(request.POST))
    returns.register_return_parcel(
        case=case, carrier_code=data["carrier_code"], tracking_number=data["tracking_number"], actor=actor
    )
    return _("Return parcel %(number)s recorded.") % {"number": data["tracking_number"]}


@case_move("pickup")
def _pickup(request: HttpRequest, case: Case, actor: User) -> str:
    returns.book_return_pickup(case=case, actor=actor)
    return _("Pickup from the buyer requested.")


@case_move("repair")
def _repair(request: HttpRequest, case: Case, actor: User) -> str:
    replacements.start_repair(case=case, actor=actor, note=request.POST.get("note", ""))
    return _("Sent to repair.")


@case_move("replacement")
def _replacement(request: HttpRequest, case: Case, actor: User) -> str:
    order = replacements.send_replacement(case=case, actor=actor)
    return _("Replacement order %(number)s placed.") % {"number": order.number}


# --- the money (H2's refunds) -------------------------------------------------------------------


def refund_form(case: Case, lines: list[Any], data: Any = None) -> forms.RefundForm:
    """The refund form, prefilled with what the policy proposes (refunds.propose_refund);
    one goods amount per case line the proposal names."""
    proposal = refunds.propose_refund(case)
    goods = proposal.goods or {}
    shown = [line for line in lines if line.pk in goods] if goods else []
    initial: dict[str, Any] = {
        "shipping": proposal.shipping,
        "buyer_postage": proposal.buyer_postage,
        "price_difference": proposal.price_difference,
        "compensation": proposal.compensation,
        **{f"goods_{line_id}": amount for line_id, amount in goods.items()},
    }
    return forms.RefundForm(data, lines=shown, initial=initial)


def refund_total(form: forms.RefundForm) -> Decimal:
    """What the form's amounts refund: goods + shipping − the buyer's postage + price
    difference + compensation (as aftersales.refunds counts it)."""
    if form.is_bound and form.is_valid():
        values = form.cleaned_data
    else:
        values = {name: form.initial.get(name) for name in form.fields}

    def amount(name: str) -> Decimal:
        value = values.get(name)
        return value if isinstance(value, Decimal) else Decimal(str(value or "0"))

    goods = sum((amount(f"goods_{line.pk}") for line in form.lines), Decimal("0.00"))
    total = goods + amount("shipping") - amount("buyer_postage") + amount("price_difference") + amount("compensation")
    return total.quantize(Decimal("0.01"))


@case_move("refund")
def _refund(request: HttpRequest, case: Case, actor: User) -> str:
    lines = list(case.lines.select_related("sku").order_by("pk"))
    form = refund_form(case, lines, request.POST)
    if not form.is_valid():
        raise FormInvalid("refund", form)
    amounts = refunds.RefundAmounts(
        goods=form.goods() or None,
        shipping=form.amount("shipping"),
        buyer_postage=form.amount("buyer_postage"),
        price_difference=form.amount("price_difference"),
        compensation=form.amount("compensation"),
    )
    refund = refunds.start_refund(case=case, actor=actor, amounts=amounts)
    return _("Refund %(number)s of ¥%(amount)s started: %(status)s.") % {
        "number": refund.number,
        "amount": refund.amount,
        "status": refund.get_status_display(),
    }


# --- evidence, disputes, complaints (H3) ---------------------------------------------------------


@case_move("evidence")
def _evidence(request: HttpRequest, case: Case, actor: User) -> str:
    form = forms.EvidenceForm(request.POST, request.FILES)
    data = parsed("evidence", form)
    evidence.add_file(case=case, upload=data["upload"], caption=data.get("caption", ""), actor=actor)
    return _("File added to the case.")


@case_move("order_record")
def _order_record(request: HttpRequest, case: Case, actor: User) -> str:
    evidence.attach_order_record(case=case, actor=actor)
    return _("The order's record is attached.")


@case_move("dispute")
def _dispute(request: HttpRequest, case: Case, actor: User) -> HttpResponse:
    data = parsed("dispute", forms.DisputeForm(request.POST))
    disputes.open_dispute(case=case, reason=data["reason"], actor=actor)
    messages.success(request, _("Dispute opened; its evidence is frozen."))
    return redirect("aftersales:dispute", number=case.number)


def _to_dispute_page(request: HttpRequest, case: Case, form: Any, done: str) -> HttpResponse:
    if not form.is_valid():
        show_refusal(request, ValidationFailed(form_field_errors(form)))
    else:
        messages.success(request, done)
    return redirect("aftersales:dispute", number=case.number)


@case_move("rule")
def _rule(request: HttpRequest, case: Case, actor: User) -> HttpResponse:
    form = forms.RulingForm(request.POST)
    if form.is_valid():
        disputes.rule_dispute(
            case=case, outcome=form.cleaned_data["outcome"], ruling=form.cleaned_data["ruling"], actor=actor
        )
    return _to_dispute_page(request, case, form, _("Ruling recorded."))


@case_move("mediation")
def _mediation(request: HttpRequest, case: Case, actor: User) -> HttpResponse:
    form = forms.MediationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        disputes.record_mediation(
            case=case, platform=data["platform"], reference=data["reference"], outcome=data["outcome"], actor=actor
        )
    return _to_dispute_page(request, case, form, _("Mediation recorded."))


@case_move("review")
def _review(request: HttpRequest, case: Case, actor: User) -> HttpResponse:
    form = forms.ReviewForm(request.POST, causes=disputes.ReviewCause.choices)
    if form.is_valid():
        disputes.review_case(case=case, cause=form.cleaned_data["cause"], note=form.cleaned_data["note"], actor=actor)
    return _to_dispute_page(request, case, form, _("Review (复盘) recorded."))


@case_move("tick")
def _tick(request: HttpRequest, case: Case, actor: User) -> str:
    step = request.POST.get("step", "")
    complaints.tick_step(case=case, step=step, actor=actor)
    return _("Done: %(step)s.") % {"step": complaints.step_label(step)}


@case_move("resolve_complaint")
def _resolve_complaint(request: HttpRequest, case: Case, actor: User) -> str:
    data = parsed("resolve_complaint", forms.ResolveComplaintForm(request.POST))
    follow_up = complaints.resolve_complaint(case=case, summary=data["summary"], actor=actor)
    return _("Complaint solved; follow-up call due %(due)s.") % {
        "due": timezone.localtime(follow_up.due_at).strftime("%Y-%m-%d")
    }


@staff_required
@require_GET
def return_form(request: HttpRequest, number: str) -> HttpResponse:
    """The seed's return/exchange form (商品退换流程表) of the case, as a PDF."""
    case = _case_or_404(request, number)
    response = HttpResponse(documents.return_form_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}.pdf"'
    return response
