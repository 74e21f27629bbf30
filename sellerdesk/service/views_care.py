"""The care screens of the service desk (/service/…): quick replies (list, edit, import,
export), shift handovers (write, acknowledge, the supervisor's unacknowledged list),
follow-ups, the complaint checklist, chat archive downloads, and the buyer's public
survey page. Thin views: parse, call the owning module, render."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, logged_in_actor, show_refusal
from sellerdesk.customers.models import Customer
from sellerdesk.service import archive, complaints, followups, handover, quickreplies, surveys
from sellerdesk.service.access import require_access
from sellerdesk.service.models import (
    ComplaintProcedure,
    Conversation,
    FollowUpTask,
    Handover,
    QuickReply,
    QuickReplyScope,
    Team,
)
from sellerdesk.shops.models import Shop

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(actor: User, permission: str) -> None:
    """A page the role may not see answers 403 (the actions check again themselves)."""
    if not has_permission(actor, permission):
        raise PermissionDenied


def _local_input(value: str) -> datetime | None:
    """A time typed in a datetime-local field, read as the site's time (Asia/Shanghai)."""
    moment = parse_datetime(value.strip()) if value and value.strip() else None
    if moment is None:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# --- quick replies -----------------------------------------------------------------------------


@staff_required
@require_GET
def replies(request: HttpRequest) -> HttpResponse:
    """The quick replies the agent may insert or manage, searchable, with their use counts."""
    actor = logged_in_actor(request)
    _require(actor, "service.view")
    q = request.GET.get("q", "").strip()[:80]
    rows = quickreplies.search(quickreplies.editable_replies(actor=actor), q=q or None)
    listed = list(rows.order_by("category", "title", "pk")[:500])
    for reply in listed:
        reply.is_editable = quickreplies.can_edit(actor, reply)  # type: ignore[attr-defined]
    context = {
        "replies": listed,
        "q": q,
        "placeholders": quickreplies.PLACEHOLDERS,
        "import_errors": request.session.pop("quick_reply_import_errors", None),
        "current": "replies",
    }
    return render(request, "service/care_replies.html", context)


def _reply_form_context(actor: User, reply: QuickReply | None, **extra: Any) -> dict[str, Any]:
    teams = Team.objects.all() if has_permission(actor, "service.configure") else Team.objects.filter(supervisor=actor)
    return {
        "reply": reply,
        "scopes": [
            (value, label)
            for value, label in QuickReplyScope.choices
            if value == QuickReplyScope.PERSONAL
            or has_permission(actor, "service.configure")
            or (value == QuickReplyScope.TEAM and teams.exists())
        ],
        "teams": teams,
        "shops": Shop.objects.all(),
        "languages": quickreplies.LANGUAGES,
        "placeholders": quickreplies.PLACEHOLDERS,
        "current": "replies",
        **extra,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def reply_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Write a new quick reply or change one the agent may edit; errors shown per field."""
    actor = logged_in_actor(request)
    _require(actor, "service.reply")
    reply = None
    if pk is not None:
        reply = quickreplies.editable_replies(actor=actor).filter(pk=pk).first()
        if reply is None or not quickreplies.can_edit(actor, reply):
            raise Http404
    if request.method == "POST":
        posted = request.POST
        scope = posted.get("scope", QuickReplyScope.PERSONAL)
        shop = posted.get("shop", "")
        team = posted.get("team", "")
        draft = quickreplies.ReplyDraft(
            title=posted.get("title", ""),
            body=posted.get("body", ""),
            scope=scope,
            shortcut=posted.get("shortcut", ""),
            category=posted.get("category", ""),
            language=posted.get("language", "zh-hans"),
            shop_id=int(shop) if scope == QuickReplyScope.SHOP and shop.isdigit() else None,
            team_id=int(team) if scope == QuickReplyScope.TEAM and team.isdigit() else None,
        )
        try:
            saved = quickreplies.save_reply(actor=actor, draft=draft, reply=reply)
        except ValidationFailed as error:
            context = _reply_form_context(actor, reply, errors=error.fields, posted=posted)
            return render(request, "service/care_reply_form.html", context, status=422)
        except DomainError as error:
            show_refusal(request, error)
            return redirect("service:care_replies")
        messages.success(request, _("Quick reply %(title)s saved.") % {"title": saved.title})
        return redirect("service:care_replies")
    return render(request, "service/care_reply_form.html", _reply_form_context(actor, reply))


@staff_required
@require_POST
def reply_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = logged_in_actor(request)
    reply = quickreplies.editable_replies(actor=actor).filter(pk=pk).first()
    if reply is None:
        raise Http404
    try:
        quickreplies.delete_reply(actor=actor, reply=reply)
        messages.success(request, _("Quick reply %(title)s deleted.") % {"title": reply.title})
    except DomainError as error:
        show_refusal(request, error)
    return redirect("service:care_replies")


@staff_required
@require_GET
def replies_export(request: HttpRequest) -> HttpResponse:
    """The replies the agent may manage as XLSX (the import's columns)."""
    actor = logged_in_actor(request)
    data = quickreplies.export_xlsx(quickreplies.editable_replies(actor=actor))
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="quick-replies.xlsx"'
    return response


@staff_required
@require_POST
def replies_import(request: HttpRequest) -> HttpResponse:
    """Import an .xlsx or .csv: all or nothing; the bad rows listed by line on the page."""
    actor = logged_in_actor(request)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to import."))
        return redirect("service:care_replies")
    if (upload.size or 0) > 5 * 1024 * 1024:
        messages.error(request, _("The file is larger than 5 MB."))
        return redirect("service:care_replies")
    try:
        result = quickreplies.import_file(data=upload.read(), filename=upload.name or "", actor=actor)
    except ValidationFailed as error:
        request.session["quick_reply_import_errors"] = sorted(error.fields.items(), key=lambda item: _line_of(item[0]))
        messages.error(request, error.message)
        return redirect("service:care_replies")
    except DomainError as error:
        show_refusal(request, error)
        return redirect("service:care_replies")
    messages.success(
        request,
        _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("service:care_replies")


def _line_of(path: str) -> tuple[int, str]:
    if path.startswith("rows[") and "]" in path:
        number = path[5 : path.index("]")]
        return (int(number) if number.isdigit() else 0, path)
    return (0, path)


# --- handovers ---------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def handovers(request: HttpRequest) -> HttpResponse:
    """The agent's handovers (written, for them, for anyone) and the form to write one
    with their open conversations, each with an optional promise and due time."""
    actor = logged_in_actor(request)
    _require(actor, "service.view")
    open_now = handover.open_conversations(actor)
    context: dict[str, Any] = {
        "handovers": list(handover.handovers_for(actor=actor)[:100]),
        "open_conversations": open_now,
        "agents": User.objects.filter(is_active=True).exclude(pk=actor.pk).order_by("username"),
        "current": "handovers",
    }
    if request.method == "POST":
        items = []
        for conversation in open_now:
            if request.POST.get(f"include_{conversation.pk}") != "on":
                continue
            due = request.POST.get(f"due_{conversation.pk}", "")
            due_at = _local_input(due)
            if due and due_at is None:
                context.update({"errors": {f"due_{conversation.pk}": _("a date and time")}, "posted": request.POST})
                return render(request, "service/care_handovers.html", context, status=422)
            items.append(
                handover.ItemDraft(
                    conversation_id=conversation.pk,
                    promise=request.POST.get(f"promise_{conversation.pk}", ""),
                    due_at=due_at,
                )
            )
        extra_promise = request.POST.get("promise", "").strip()
        if extra_promise:
            items.append(handover.ItemDraft(promise=extra_promise, due_at=_local_input(request.POST.get("due", ""))))
        to_agent = None
        if request.POST.get("to_agent"):
            to_agent = (
                User.objects.filter(pk=request.POST["to_agent"]).first() if request.POST["to_agent"].isdigit() else None
            )
        try:
            handover.write_handover(
                from_agent=actor, to_agent=to_agent, notes=request.POST.get("notes", ""), items=items
            )
        except ValidationFailed as error:
            context.update({"errors": error.fields, "posted": request.POST})
            return render(request, "service/care_handovers.html", context, status=422)
        except DomainError as error:
            show_refusal(request, error)
            return redirect("service:care_handovers")
        messages.success(request, _("Handover written."))
        return redirect("service:care_handovers")
    return render(request, "service/care_handovers.html", context)


@staff_required
@require_POST
def handover_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    row = Handover.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    try:
        handover.acknowledge(
            handover=row, actor=logged_in_actor(request), take_over=request.POST.get("take_over") == "on"
        )
        messages.success(request, _("Handover acknowledged."))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("service:care_handovers")


@staff_required
@require_GET
def handovers_unacknowledged(request: HttpRequest) -> HttpResponse:
    """The supervisor's list of handovers nobody acknowledged, the oldest first."""
    actor = logged_in_actor(request)
    _require(actor, "service.supervise")
    rows = handover.unacknowledged().prefetch_related("items", "items__conversation")
    return render(
        request,
        "service/care_unacknowledged.html",
        {"handovers": list(rows[:500]), "now": timezone.now(), "current": "unacknowledged"},
    )


# --- follow-ups ------------------------------------------------------------------------------------


@staff_required
@require_GET
def follow_up_list(request: HttpRequest) -> HttpResponse:
    """The agent's open follow-ups, soonest due first (a supervisor may see everyone's),
    and the recently done ones."""
    actor = logged_in_actor(request)
    everyone = request.GET.get("who") == "all" and has_permission(actor, "service.supervise")
    open_rows = list(followups.follow_ups(actor=actor, mine=not everyone)[:300])
    done_rows = list(followups.follow_ups(actor=actor, mine=not everyone, done=True)[:50])
    context = {
        "open": open_rows,
        "done": done_rows,
        "everyone": everyone,
        "now": timezone.now(),
        "current": "follow_ups",
    }
    return render(request, "service/care_follow_ups.html", context)


@staff_required
@require_POST
def follow_up_complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = FollowUpTask.objects.select_related("conversation").filter(pk=pk).first()
    if task is None:
        raise Http404
    try:
        followups.complete(task=task, actor=logged_in_actor(request), outcome=request.POST.get("outcome", ""))
        messages.success(request, _("Follow-up done."))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("service:care_follow_ups")


# --- the complaint checklist -------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest, pk: int) -> HttpResponse:
    """The complaint checklist of a conversation: the five steps with their hints, each
    ticked with a note; "solve" last, then the follow-up."""
    actor = logged_in_actor(request)
    conversation = Conversation.objects.select_related("shop").filter(pk=pk).first()
    if conversation is None:
        raise Http404
    try:
        require_access(actor, conversation, "service.view")
    except DomainError as error:
        show_refusal(request, error)
        return redirect("service:care_follow_ups")
    if request.method == "POST":
        try:
            complaints.tick_step(
                conversation=conversation,
                step=request.POST.get("step", ""),
                actor=actor,
                note=request.POST.get("note", ""),
            )
        except DomainError as error:
            show_refusal(request, error)
        return redirect("service:care_complaint", pk=conversation.pk)
    procedure = ComplaintProcedure.objects.filter(conversation=conversation).first()
    context = {
        "conversation": conversation,
        "procedure": procedure,
        "steps": complaints.checklist(procedure) if procedure else [],
        "follow_up": FollowUpTask.objects.filter(conversation=conversation).order_by("-created_at").first(),
    }
    return render(request, "service/care_complaint.html", context, status=200 if procedure else 404)


# --- the chat archive ------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def archive_page(request: HttpRequest) -> HttpResponse:
    """Download a buyer's or a period's conversations (JSON, text, PDF); merge an archive
    back (supervisors)."""
    actor = logged_in_actor(request)
    _require(actor, "service.view")
    context: dict[str, Any] = {"current": "archive", "retention_days": archive.retention_days()}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            require(actor, "service.configure")
            if upload is None:
                raise ValidationFailed({"file": _("Choose a file to import.")})
            result = archive.import_archive(data=upload.read(), actor=actor)
        except ValidationFailed as error:
            context["import_errors"] = sorted(error.fields.items())
            messages.error(request, error.message)
            return render(request, "service/care_archive.html", context, status=422)
        except DomainError as error:
            show_refusal(request, error)
            return redirect("service:care_archive")
        messages.success(
            request,
            _(
                "Archive merged: %(created)s conversations added, %(merged)s found; "
                "%(messages)s messages added, %(skipped)s already there."
            )
            % {
                "created": result.conversations_created,
                "merged": result.conversations_merged,
                "messages": result.messages_created,
                "skipped": result.messages_skipped,
            },
        )
        return redirect("service:care_archive")
    if "format" not in request.GET:
        return render(request, "service/care_archive.html", context)
    errors: dict[str, str] = {}
    wanted = request.GET.get("format", "json")
    if wanted not in ("json", "text", "pdf"):
        errors["format"] = _("one of %(values)s") % {"values": "json, text, pdf"}
    customer = None
    phone = request.GET.get("buyer", "").strip()
    if phone:
        customer = Customer.objects.filter(phone=phone).first() or Customer.objects.filter(nickname=phone).first()
        if customer is None:
            errors["buyer"] = _("No buyer with this phone or nickname.")
    start = parse_date(request.GET.get("start", "") or "") if request.GET.get("start") else None
    end = parse_date(request.GET.get("end", "") or "") if request.GET.get("end") else None
    if request.GET.get("start") and start is None:
        errors["start"] = _("a date")
    if request.GET.get("end") and end is None:
        errors["end"] = _("a date")
    if start and end and end < start:
        errors["end"] = _("must be after start")
    if errors:
        context.update({"errors": errors, "posted": request.GET})
        return render(request, "service/care_archive.html", context, status=422)
    zone = timezone.get_default_timezone()
    kwargs: dict[str, Any] = {
        "actor": actor,
        "customer": customer,
        "start": datetime.combine(start, datetime.min.time(), zone) if start else None,
        # The end date is included: up to the start of the next day.
        "end": datetime.combine(end + timedelta(days=1), datetime.min.time(), zone) if end else None,
    }
    if wanted == "json":
        response = HttpResponse(archive.export_json(**kwargs), content_type="application/json")
        extension = "json"
    elif wanted == "text":
        response = HttpResponse(archive.export_text(**kwargs), content_type="text/plain; charset=utf-8")
        extension = "txt"
    else:
        response = HttpResponse(archive.export_pdf(**kwargs), content_type="application/pdf")
        extension = "pdf"
    response["Content-Disposition"] = f'attachment; filename="chat-archive.{extension}"'
    return response


# --- the buyer's survey page (public: the link's token is the key) --------------------------


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The satisfaction survey the buyer reaches by the link sent on resolve: 1–5 and a
    comment, answered once."""
    try:
        found = surveys.survey_for_token(token)
    except NotFound:
        return render(request, "service/care_survey.html", {"missing": True}, status=404)
    context: dict[str, object] = {"survey": found, "shop": found.conversation.shop, "scores": surveys.SCORES}
    if request.method == "POST" and found.answered_at is None:
        raw = request.POST.get("score", "")
        comment = request.POST.get("comment", "")
        try:
            score = int(raw)
        except ValueError:
            score = 0
        try:
            found = surveys.answer(token=token, score=score, comment=comment)
        except ValidationFailed as error:
            context.update({"errors": error.fields, "posted": {"score": raw, "comment": comment}})
            return render(request, "service/care_survey.html", context, status=422)
        except DomainError as error:
            context["refusal"] = error_text(error)
            return render(request, "service/care_survey.html", context, status=error.status)
        context.update({"survey": found, "thanked": True})
    context.setdefault("answered_text", _("Thank you for your answer!"))
    return render(request, "service/care_survey.html", context)
