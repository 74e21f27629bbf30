"""The after-sales desks beside the queue: the inspection desk (质检, keyboard and
scanner first), the dispute page, the lists of work (late replacements, follow-ups due,
bank transfers to make) and the figures. Thin, like aftersales.views: parse, call one
action or query, render; refusals are shown as messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.aftersales import complaints, disputes, forms, queries, refunds, replacements, returns, states
from sellerdesk.aftersales.models import CaseStatus, CaseType, Disposition, EvidenceKind, FollowUp, Refund
from sellerdesk.aftersales.policies import policy_for
from sellerdesk.aftersales.states import CaseAction
from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, form_field_errors, logged_in_actor, show_refusal
from sellerdesk.shops.access import limit_to_visible_shops
from sellerdesk.shops.models import Shop


def _is_scan(request: HttpRequest) -> bool:
    return request.headers.get("X-Scan") == "1"


# --- the inspection desk ----------------------------------------------------------------------


@staff_required
@require_GET
def inspection_desk(request: HttpRequest) -> HttpResponse:
    """Scan a case number or a return tracking number; the cases waiting are listed."""
    actor = logged_in_actor(request)
    try:
        waiting = queries.case_queue(actor=actor, status=CaseStatus.AWAITING_RETURN, page_size=30)
        to_inspect = queries.case_queue(actor=actor, status=CaseStatus.RECEIVED, page_size=30)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("aftersales:queue")
    context = {"waiting": list(waiting.object_list), "to_inspect": list(to_inspect.object_list)}
    return render(request, "aftersales/inspection_desk.html", context)


@staff_required
@require_POST
def inspection_scan(request: HttpRequest) -> HttpResponse:
    """The scanned code opens its case's lines (JSON for the scan field, else a redirect)."""
    code = request.POST.get("code", "").strip()
    try:
        case = returns.find_case_to_receive(code=code, actor=logged_in_actor(request))
    except DomainError as error:
        if _is_scan(request):
            return JsonResponse({"ok": False, "message": error_text(error)}, status=error.status)
        show_refusal(request, error)
        return redirect("aftersales:inspection")
    url = reverse("aftersales:inspect", kwargs={"number": case.number})
    if _is_scan(request):
        return JsonResponse({"ok": True, "message": case.number, "redirect": url})
    return redirect(url)


def _needs_inspection(case: Any, lines: list[Any]) -> bool:
    # Shown only: returns.receive_return decides (an exchange or a repair is always
    # looked at, a return for the policy's reasons).
    if case.type != CaseType.RETURN_REFUND:
        return True
    policy = policy_for(case.shop_id)
    return policy.needs_inspection(case.reason) or any(policy.needs_inspection(line.reason) for line in lines)


def _count(request: HttpRequest, name: str, bad: dict[str, str], label: str) -> int:
    raw = request.POST.get(name, "0").strip() or "0"
    if not raw.isdigit():
        bad[label] = _("enter a whole number")
        return 0
    return int(raw)


@staff_required
@require_http_methods(["GET", "POST"])
def inspect_case(request: HttpRequest, number: str) -> HttpResponse:
    """Count what came and grade each unit good or defective; a case awaiting its return
    is received and (where its reasons need it) inspected in one step."""
    actor = logged_in_actor(request)
    try:
        view = queries.case_detail(number=number, actor=actor)
    except NotFound as error:
        raise Http404(error.message) from None
    case = view.case
    receiving = states.allows(case.status, CaseAction.RECEIVE)
    inspecting = receiving or states.allows(case.status, CaseAction.INSPECT)
    status = 200
    if request.method == "POST":
        bad: dict[str, str] = {}
        counted: list[returns.Received] = []
        grades: list[returns.Grade] = []
        for line in view.lines:
            received = _count(request, f"received_{line.pk}", bad, line.sku.code) if receiving else line.received
            good = _count(request, f"good_{line.pk}", bad, line.sku.code)
            defective = _count(request, f"defective_{line.pk}", bad, line.sku.code)
            disposition = request.POST.get(f"disposition_{line.pk}", "") or (
                Disposition.DEFECTIVE if defective else Disposition.RESTOCK
            )
            if receiving:
                counted.append(returns.Received(case_line_id=line.pk, quantity=received))
            if received:
                grades.append(
                    returns.Grade(case_line_id=line.pk, good=good, defective=defective, disposition=disposition)
                )
        note = request.POST.get("note", "")
        try:
            if bad:
                raise ValidationFailed(bad)
            # Received and inspected together or not at all: a refused grade leaves the
            # case awaiting its return, as it was.
            with transaction.atomic():
                done = case
                if receiving:
                    done = returns.receive_return(case=case, lines=counted, actor=actor, note=note)
                # Graded on the page (the grade fields were shown): inspect now; else the
                # case waits, received, for its inspection.
                graded = any(f"good_{line.pk}" in request.POST for line in view.lines)
                if graded and states.allows(done.status, CaseAction.INSPECT):
                    done = returns.inspect_return(case=done, grades=grades, actor=actor, note=note)
        except DomainError as error:
            show_refusal(request, error)
            status = error.status
            view = queries.case_detail(number=number, actor=actor)
        else:
            if done.status == CaseStatus.INSPECTED:
                message = _("Case %(number)s received and inspected: %(result)s.") % {
                    "number": done.number,
                    "result": done.get_inspection_result_display(),
                }
            else:
                message = _("Case %(number)s received: %(status)s.") % {
                    "number": done.number,
                    "status": done.get_status_display(),
                }
            messages.success(request, message)
            return redirect("aftersales:inspection")
    context = {
        "view": view,
        "case": view.case,
        "receiving": receiving,
        "inspecting": inspecting and _needs_inspection(view.case, view.lines),
        "can_act": inspecting and has_permission(actor, "aftersales.receive"),
        "dispositions": Disposition.choices,
        "posted": request.POST if request.method == "POST" else None,
    }
    return render(request, "aftersales/inspect.html", context, status=status)


# --- the dispute page -------------------------------------------------------------------------


@staff_required
@require_GET
def dispute_page(request: HttpRequest, number: str) -> HttpResponse:
    """The frozen bundle with its hashes, the ruling (supervisors), the mediation and the
    review (复盘)."""
    actor = logged_in_actor(request)
    try:
        view = queries.case_detail(number=number, actor=actor)
    except NotFound as error:
        raise Http404(error.message) from None
    check = disputes.verify_bundle(view.dispute) if view.dispute else None
    kinds = dict(EvidenceKind.choices)
    files = (
        [(item, kinds.get(item.get("kind"), item.get("kind"))) for item in view.dispute.bundle.get("files", [])]
        if view.dispute
        else []
    )
    excerpts = (
        [(item, kinds.get(item.get("kind"), item.get("kind"))) for item in view.dispute.bundle.get("excerpts", [])]
        if view.dispute
        else []
    )
    context = {
        "view": view,
        "case": view.case,
        "dispute": view.dispute,
        "check": check,
        "files": files,
        "excerpts": excerpts,
        "review_cause": dict(disputes.ReviewCause.choices).get(view.case.review_cause, view.case.review_cause),
        "ruling_form": forms.RulingForm(),
        "mediation_form": forms.MediationForm(),
        "review_form": forms.ReviewForm(causes=disputes.ReviewCause.choices),
        "may_rule": view.case.status == CaseStatus.DISPUTED and has_permission(actor, "aftersales.arbitrate"),
        "may_mediate": view.dispute is not None and has_permission(actor, "aftersales.handle"),
        "may_review": has_permission(actor, "aftersales.arbitrate") and view.case.status != CaseStatus.DISPUTED,
    }
    return render(request, "aftersales/dispute.html", context)


# --- lists of work ---------------------------------------------------------------------------


@staff_required
@require_GET
def work_lists(request: HttpRequest) -> HttpResponse:
    """Late replacements, follow-up calls due, bank transfers to make."""
    actor = logged_in_actor(request)
    now = timezone.now()
    try:
        follow_ups = queries.follow_ups_due(actor=actor, now=now)
        transfers = queries.transfers_to_make(actor=actor)
        late = list(replacements.late_replacements(now=now).select_related("order", "replacement_order")[:200])
    except DomainError as error:
        show_refusal(request, error)
        follow_ups, transfers, late = [], [], []
    context = {
        "now": now,
        "follow_ups": follow_ups,
        "transfers": transfers,
        "late": late,
        "follow_up_form": forms.FollowUpForm(),
        "transfer_form": forms.TransferForm(),
        "may_handle": has_permission(actor, "aftersales.handle"),
        "may_refund": has_permission(actor, "aftersales.refund"),
    }
    return render(request, "aftersales/work.html", context)


@staff_required
@require_POST
def complete_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    form = forms.FollowUpForm(request.POST)
    if not form.is_valid():
        show_refusal(request, ValidationFailed(form_field_errors(form)))
        return redirect("aftersales:work")
    visible = limit_to_visible_shops(FollowUp.objects.all(), logged_in_actor(request), shop_field="case__shop_id")
    follow_up = visible.filter(pk=pk).select_related("case").first()
    if follow_up is None:
        raise Http404(str(pk))
    try:
        complaints.complete_follow_up(
            follow_up=follow_up,
            outcome=form.cleaned_data["outcome"],
            satisfied=form.cleaned_data["satisfied"],
            actor=logged_in_actor(request),
        )
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Follow-up of %(number)s recorded.") % {"number": follow_up.case.number})
    return redirect("aftersales:work")


@staff_required
@require_POST
def complete_transfer(request: HttpRequest, number: str) -> HttpResponse:
    form = forms.TransferForm(request.POST, request.FILES)
    if not form.is_valid():
        show_refusal(request, ValidationFailed(form_field_errors(form)))
        return redirect("aftersales:work")
    visible = limit_to_visible_shops(Refund.objects.all(), logged_in_actor(request), shop_field="case__shop_id")
    refund = visible.filter(number=number).first()
    if refund is None:
        raise Http404(number)
    try:
        refunds.complete_bank_transfer(
            refund=refund,
            reference=form.cleaned_data["reference"],
            proof=form.cleaned_data.get("proof"),
            actor=logged_in_actor(request),
        )
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Bank transfer of refund %(number)s recorded.") % {"number": number})
    return redirect("aftersales:work")


# --- the figures ------------------------------------------------------------------------------


@staff_required
@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    """After-sales rate, refund amount, reasons, types and time to resolve of a period,
    beside the period before it."""
    actor = logged_in_actor(request)
    form = forms.FiguresForm(request.GET or None, actor=actor)
    start, end = form.period()
    if not form.is_bound:
        # Show the dates the figures are of.
        form = forms.FiguresForm(actor=actor, initial={"start": start.date(), "end": (end - timedelta(days=1)).date()})
    shop_id = (
        int(form.cleaned_data["shop"]) if form.is_bound and form.is_valid() and form.cleaned_data["shop"] else None
    )
    try:
        result = queries.figures(actor=actor, start=start, end=end, shop_id=shop_id)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("aftersales:queue")
    context = {
        "form": form,
        "figures": result,
        "now": result.current,
        "then": result.previous,
        "shop": Shop.objects.filter(pk=shop_id).first() if shop_id else None,
    }
    return render(request, "aftersales/figures.html", context)
