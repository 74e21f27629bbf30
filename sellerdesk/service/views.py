"""The agent's workspace under /service/ (owner H5): the inbox on the left (views mine /
unassigned / team / all with their counts, filters, unread and SLA marks), the
conversation in the middle (messages, private notes, timeline events, the composer with
quick replies and the forbidden-phrase stop), the buyer on the right (profile, open
orders with the actions an agent takes from the chat, after-sales cases, past
conversations).

Thin: parse, call one action or query, render. Every write is an action of
service.conversations or service.order_actions, which check the permissions and the
agent's shops; a refusal is shown on the page (a message, or the composer's warning),
never a 500. Live updates come over the websocket (static service/live.js, desk.js),
which reload the inbox and the thread partials rendered here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case
from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, form_field_errors, logged_in_actor, show_refusal
from sellerdesk.customers.models import Customer
from sellerdesk.orders.changes import CHANGEABLE, SHIPPING_CHANGEABLE
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import AWAITING_RECEIPT, OrderStatus, PaymentStatus
from sellerdesk.service import conversations, forms, intents, order_actions, queries, quickreplies, routing
from sellerdesk.service.conversations import ForbiddenPhrases
from sellerdesk.service.models import (
    INTENTS,
    UNCLASSIFIED,
    AgentProfile,
    ComplaintProcedure,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    Message,
    MessageKind,
    SlaState,
)
from sellerdesk.shops.models import Shop

# What the inbox calls each intent (the codes are the classifier's labels).
INTENT_LABELS: dict[str, Any] = {
    "where_is_my_order": gettext_lazy("Where is my order"),
    "urge_shipping": gettext_lazy("Ship faster"),
    "change_address": gettext_lazy("Change address"),
    "change_item": gettext_lazy("Change colour/size"),
    "cancel_order": gettext_lazy("Cancel order"),
    "refund_request": gettext_lazy("Refund"),
    "return_exchange": gettext_lazy("Return/exchange"),
    "damaged_or_wrong": gettext_lazy("Damaged or wrong"),
    "price_bargain": gettext_lazy("Bargaining"),
    "product_question": gettext_lazy("Product question"),
    "payment_problem": gettext_lazy("Payment problem"),
    "complaint": gettext_lazy("Complaint"),
    UNCLASSIFIED: gettext_lazy("Unclassified"),
}
assert set(INTENT_LABELS) == {*INTENTS, UNCLASSIFIED}

VIEW_LABELS: list[tuple[str, Any]] = [
    ("mine", gettext_lazy("Mine")),
    ("unassigned", gettext_lazy("Unassigned")),
    ("team", gettext_lazy("Team")),
    ("all", gettext_lazy("All")),
]
# The filters the inbox keeps in its links (the view, the conversation open and the page
# after an action keep them too).
FILTERS = ("view", "q", "channel", "shop", "intent", "sla_state", "status")
# How much of a conversation the thread shows at once (the newest).
THREAD_LIMIT = 300
PANEL_LIMIT = 10


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadItem:
    """One line of the thread: a message or a timeline event, in time order."""

    at: datetime
    message: Message | None = None
    event: ConversationEvent | None = None


@dataclass
class OrderCard:
    """An order of the buyer in the side panel, with the actions the agent may take on it."""

    order: Order
    may_cancel: bool
    may_remind: bool
    may_change_address: bool
    may_change_item: bool
    may_extend: bool
    may_open_case: bool
    may_note: bool
    forms: dict[str, Any]


def _actor(request: HttpRequest) -> User:
    actor = logged_in_actor(request)
    if not has_permission(actor, "service.view"):
        raise PermissionDenied
    return actor


def _filters(request: HttpRequest) -> dict[str, str]:
    source = request.GET if request.method == "GET" else request.POST
    return {name: source.get(name, "") for name in FILTERS if source.get(name, "")}


def _desk_url(conversation_id: int | None, filters: dict[str, str]) -> str:
    base = reverse("service:conversation", args=[conversation_id]) if conversation_id else reverse("service:desk")
    return base + ("?" + urlencode(filters) if filters else "")


def _inbox(actor: User, filters: dict[str, str]) -> tuple[forms.InboxFilterForm, list[Conversation], str, list[str]]:
    form = forms.InboxFilterForm(filters or None, intent_labels=INTENT_LABELS)
    view = filters.get("view") or "mine"
    if view not in queries.VIEWS:
        view = "mine"
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    problems = [f"{name}: {reason}" for name, reason in form_field_errors(form).items()] if form.is_bound else []
    try:
        rows = list(
            queries.inbox(
                actor=actor,
                view=view,
                channel=data.get("channel") or None,
                shop_id=data.get("shop"),
                intent=data.get("intent") or None,
                sla_state=data.get("sla_state") or None,
                status=data.get("status") or None,
                q=data.get("q") or None,
            )
        )
    except ValidationFailed as error:
        rows, problems = [], [error_text(error)]
    return form, rows, view, problems


def _thread(conversation: Conversation) -> list[ThreadItem]:
    recent = list(
        Message.objects.filter(conversation=conversation)
        .select_related("author", "call")
        .prefetch_related("attachments")
        .order_by("-created_at", "-pk")[:THREAD_LIMIT]
    )
    items = [ThreadItem(at=message.created_at, message=message) for message in recent]
    since = recent[-1].created_at if len(recent) == THREAD_LIMIT else None
    events = ConversationEvent.objects.filter(conversation=conversation).select_related("actor")
    if since is not None:
        events = events.filter(at__gte=since)
    items += [ThreadItem(at=event.at, event=event) for event in events.order_by("at", "pk")[:THREAD_LIMIT]]
    # Messages before events at the same moment: the event is what the message caused.
    return sorted(items, key=lambda item: (item.at, item.event is not None, (item.message or item.event).pk))  # type: ignore[union-attr]


def _order_card(order: Order, actor: User) -> OrderCard:
    unpaid = order.status == OrderStatus.UNPAID
    return OrderCard(
        order=order,
        may_cancel=unpaid and has_permission(actor, "orders.cancel"),
        may_remind=unpaid
        and order.payment_status == PaymentStatus.UNPAID
        and has_permission(actor, "reminders.remind"),
        may_change_address=order.status in SHIPPING_CHANGEABLE and has_permission(actor, "orders.hold"),
        may_change_item=order.status in CHANGEABLE and has_permission(actor, "orders.reprice"),
        may_extend=order.status in AWAITING_RECEIPT
        and order.auto_confirm_at is not None
        and has_permission(actor, "orders.confirm_receipt"),
        may_open_case=not unpaid and order.status != OrderStatus.CLOSED and has_permission(actor, "aftersales.handle"),
        may_note=has_permission(actor, "orders.note"),
        forms={
            "address": forms.AddressForm(
                initial={
                    "province": order.province,
                    "city": order.city,
                    "district": order.district,
                    "detail": order.address_detail,
                },
                prefix=f"o{order.pk}",
            ),
            "item": forms.ChangeItemForm(order=order, prefix=f"o{order.pk}"),
            "case": forms.OpenCaseForm(order=order, prefix=f"o{order.pk}"),
            "extend": forms.ExtendReceiptForm(prefix=f"o{order.pk}"),
            "remind": forms.RemindForm(prefix=f"o{order.pk}"),
        },
    )


def _buyer_panel(conversation: Conversation, actor: User) -> dict[str, Any]:
    customer: Customer | None = conversation.customer
    orders: list[Order] = []
    cases: list[Case] = []
    if customer is not None:
        orders = list(
            Order.objects.filter(customer=customer)
            .exclude(status__in=[OrderStatus.CLOSED, OrderStatus.COMPLETED])
            .prefetch_related("lines")
            .order_by("-created_at", "-pk")[:PANEL_LIMIT]
        )
        cases = list(
            Case.objects.filter(order__customer=customer)
            .select_related("order")
            .order_by("-created_at", "-pk")[:PANEL_LIMIT]
        )
    current = conversation.order
    if current is not None and all(order.pk != current.pk for order in orders):
        orders.insert(0, Order.objects.prefetch_related("lines").get(pk=current.pk))
    return {
        "customer": customer,
        "order_cards": [_order_card(order, actor) for order in orders],
        "cases": cases,
        "past": list(queries.past_conversations(conversation, limit=PANEL_LIMIT)),
    }


def _agents(actor: User) -> list[AgentProfile]:
    """Who a supervisor may give a conversation to (the routing refuses the offline)."""
    if not has_permission(actor, "service.supervise"):
        return []
    return list(
        AgentProfile.objects.select_related("user").filter(user__is_active=True).order_by("user__username")[:200]
    )


def _conversation_or_404(actor: User, pk: int) -> Conversation:
    try:
        return queries.conversation_for(actor, pk)
    except NotFound as error:
        raise Http404(error.message) from None


def _render_desk(
    request: HttpRequest,
    actor: User,
    conversation: Conversation | None,
    *,
    reply_form: forms.ReplyForm | None = None,
    draft: str = "",
    forbidden: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    filters = _filters(request)
    form, rows, view, problems = _inbox(actor, filters)
    counts = queries.counts(actor)
    kept = {name: value for name, value in filters.items() if name != "view"}
    context: dict[str, Any] = {
        "filter_form": form,
        "rows": rows,
        "view": view,
        "views": [(key, label, counts.get(key, 0), urlencode({**kept, "view": key})) for key, label in VIEW_LABELS],
        "filter_problems": problems,
        "filters": filters,
        "kept_query": urlencode(filters),
        "intent_labels": INTENT_LABELS,
        "conversation": conversation,
        "now": timezone.now(),
        "may_reply": has_permission(actor, "service.reply"),
        "may_supervise": has_permission(actor, "service.supervise"),
        "new_call_form": forms.CallForm(),
    }
    if conversation is not None:
        thread = _thread(conversation)
        context.update(
            {
                "thread": thread,
                "last_message_id": max((item.message.pk for item in thread if item.message), default=0),
                "reply_form": reply_form or forms.ReplyForm(),
                "draft": draft,
                "forbidden": forbidden or [],
                "marked_draft": _marked(draft, forbidden or []) if forbidden else [],
                "note_form": forms.NoteForm(),
                "snooze_form": forms.SnoozeForm(),
                "cancel_form": forms.CancelForm(),
                "order_note_form": forms.OrderNoteForm(),
                "call_form": forms.CallForm(initial={"number": conversation.contact}),
                "priority_form": forms.PriorityForm(initial={"priority": conversation.priority}),
                "has_complaint": ComplaintProcedure.objects.filter(conversation=conversation).exists(),
                "agents": _agents(actor),
                "intent_choices": list(INTENT_LABELS.items()),
                "statuses": ConversationStatus,
                "sla_states": SlaState,
                **_buyer_panel(conversation, actor),
            }
        )
    response = render(request, "service/desk.html", context, status=status)
    if getattr(request, "htmx", None):
        # A boosted form's answer (a redirect followed, or the composer put back with its
        # warning) is shown at the desk's own address, so that reloading it reads the
        # page again instead of repeating (or refusing) the POST.
        response["HX-Push-Url"] = _desk_url(conversation.pk if conversation else None, filters)
    return response


def _marked(draft: str, hits: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """The draft cut into (text, is_forbidden) pieces, to show the phrases marked."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for hit in sorted(hits, key=lambda hit: hit["start"]):
        start, end = max(hit["start"], position), hit["end"]
        if start >= end:
            continue
        pieces.append((draft[position:start], False))
        pieces.append((draft[start:end], True))
        position = end
    pieces.append((draft[position:], False))
    return [piece for piece in pieces if piece[0]]


@staff_required
@require_GET
def desk(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The desk; with `pk` the conversation open in the middle (its buyer messages read)."""
    actor = _actor(request)
    conversation = _conversation_or_404(actor, pk) if pk is not None else None
    if conversation is not None and conversation.unread_agent:
        conversation = conversations.mark_read(conversation=conversation, actor=actor)
    return _render_desk(request, actor, conversation)


# --- writing -------------------------------------------------------------------------------------


def _back(request: HttpRequest, conversation: Conversation | None) -> HttpResponse:
    return redirect(_desk_url(conversation.pk if conversation else None, _filters(request)))


@staff_required
@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the composer's reply. A forbidden phrase stops it: the page shows each phrase
    with its polite wording, "use the polite wording", and "send anyway" with a reason."""
    actor = _actor(request)
    conversation = _conversation_or_404(actor, pk)
    form = forms.ReplyForm(request.POST)
    if not form.is_valid():
        return _render_desk(
            request, actor, conversation, reply_form=form, draft=request.POST.get("body", ""), status=422
        )
    # One kind of line break: the forbidden phrases' positions then count the same in the
    # reply box the draft is put back into.
    body = form.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    try:
        conversations.send_reply(
            conversation=conversation,
            actor=actor,
            body=body,
            override_reason=form.cleaned_data["override_reason"],
            quick_reply_ids=form.reply_ids(),
        )
    except ForbiddenPhrases as stop:
        return _render_desk(
            request,
            actor,
            conversation,
            reply_form=form,
            draft=body,
            forbidden=stop.details.get("forbidden", []),
            status=409,
        )
    except ValidationFailed as error:
        for name, reason in (error.details.get("fields") or {}).items():
            form.add_error(name if name in form.fields else None, reason)
        return _render_desk(request, actor, conversation, reply_form=form, draft=body, status=422)
    except DomainError as error:
        show_refusal(request, error)
    return _back(request, conversation)


@staff_required
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    """A private note in the thread (the buyer never sees it)."""
    actor = _actor(request)
    conversation = _conversation_or_404(actor, pk)
    form = forms.NoteForm(request.POST)
    if not form.is_valid():
        show_refusal(request, ValidationFailed(form_field_errors(form)))
        return _back(request, conversation)
    try:
        conversations.add_note(conversation=conversation, actor=actor, body=form.cleaned_data["body"])
    except DomainError as error:
        show_refusal(request, error)
    return _back(request, conversation)


MOVES = ("resolve", "wait", "reopen", "snooze", "priority", "complaint", "take", "assign")


@staff_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """Resolve, wait for the buyer (pending), snooze for some hours, reopen; the priority;
    mark it a complaint (the complaint checklist starts); take an unassigned one, or (a
    supervisor) give it to another agent or back to the queue (service.routing.assign)."""
    actor = _actor(request)
    conversation = _conversation_or_404(actor, pk)
    action = request.POST.get("action", "")
    try:
        if action == "resolve":
            conversations.resolve(conversation=conversation, actor=actor)
            messages.success(request, _("Conversation #%(id)s resolved.") % {"id": conversation.pk})
        elif action == "wait":
            conversations.wait_for_buyer(conversation=conversation, actor=actor)
        elif action == "reopen":
            conversations.reopen(conversation=conversation, actor=actor)
        elif action == "snooze":
            form = forms.SnoozeForm(request.POST)
            if not form.is_valid():
                raise ValidationFailed(form_field_errors(form))
            until = timezone.now() + timedelta(hours=form.cleaned_data["hours"])
            conversations.snooze(conversation=conversation, actor=actor, until=until)
        elif action == "priority":
            priority = _bound(forms.PriorityForm(request.POST))["priority"]
            conversations.set_priority(conversation=conversation, actor=actor, priority=priority)
        elif action == "complaint":
            conversations.mark_complaint(conversation=conversation, actor=actor)
        elif action == "take":
            routing.assign(conversation=conversation, agent=actor, actor=actor)
        elif action == "assign":
            agent_id = request.POST.get("agent", "")
            agent = User.objects.filter(pk=int(agent_id)).first() if agent_id.isdigit() else None
            if agent_id and agent is None:
                raise ValidationFailed({"agent": _("No such agent.")})
            routing.assign(conversation=conversation, agent=agent, actor=actor, reason=request.POST.get("reason", ""))
        else:
            raise ValidationFailed({"action": _("one of %(values)s") % {"values": ", ".join(MOVES)}})
    except DomainError as error:
        show_refusal(request, error)
    return _back(request, conversation)


ORDER_ACTIONS = ("cancel", "address", "item", "remind", "extend", "case", "note")


def _order_of(number: str) -> Order:
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise Http404(_("No such order."))
    return order


def _bound(form: Any) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationFailed(form_field_errors(form))
    return dict(form.cleaned_data)


def _take_order_action(request: HttpRequest, what: str, conversation: Conversation, order: Order, actor: User) -> str:
    """Run one order action from the posted form; the sentence to show when done."""
    post, prefix = request.POST, f"o{order.pk}"
    if what == "cancel":
        data = _bound(forms.CancelForm(post))
        order_actions.cancel_unpaid(conversation=conversation, order=order, actor=actor, reason=data["reason"])
        return _("Order %(number)s cancelled.") % {"number": order.number}
    if what == "address":
        address_form = forms.AddressForm(post, prefix=prefix)
        _bound(address_form)
        order_actions.change_address(
            conversation=conversation, order=order, actor=actor, address=address_form.address()
        )
        return _("Address of order %(number)s corrected.") % {"number": order.number}
    if what == "item":
        data = _bound(forms.ChangeItemForm(post, order=order, prefix=prefix))
        order_actions.change_item(
            conversation=conversation, order=order, actor=actor, line=data["line"], sku=data["sku"]
        )
        return _("Goods of order %(number)s changed.") % {"number": order.number}
    if what == "remind":
        data = _bound(forms.RemindForm(post, prefix=prefix))
        order_actions.remind_to_pay(conversation=conversation, order=order, actor=actor, channel=data["channel"])
        return _("Buyer reminded to pay order %(number)s.") % {"number": order.number}
    if what == "extend":
        data = _bound(forms.ExtendReceiptForm(post, prefix=prefix))
        order_actions.extend_receipt(
            conversation=conversation, order=order, actor=actor, days=data["days"], reason=data["reason"]
        )
        return _("Receipt confirmation of order %(number)s extended.") % {"number": order.number}
    if what == "case":
        data = _bound(forms.OpenCaseForm(post, order=order, prefix=prefix))
        case = order_actions.open_case(
            conversation=conversation,
            order=order,
            actor=actor,
            type=data["type"],
            reason=data["reason"],
            lines=[LineRequest(order_line_id=data["line"], quantity=data["quantity"])],
            description=data["description"],
        )
        return _("After-sales case %(case)s opened.") % {"case": case.number}
    data = _bound(forms.OrderNoteForm(post))
    order_actions.add_order_note(conversation=conversation, order=order, actor=actor, text=data["text"])
    return _("Note written on order %(number)s.") % {"number": order.number}


@staff_required
@require_POST
def order_action(request: HttpRequest, pk: int, number: str, what: str) -> HttpResponse:
    """One order action from the conversation (service.order_actions)."""
    actor = _actor(request)
    conversation = _conversation_or_404(actor, pk)
    if what not in ORDER_ACTIONS:
        raise Http404(_("No such action."))
    order = _order_of(number)
    try:
        messages.success(request, _take_order_action(request, what, conversation, order, actor))
    except DomainError as error:
        show_refusal(request, error)
    return _back(request, conversation)


@staff_required
@require_POST
def correct_intent(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    """The agent corrects the intent of a buyer message (kept for retraining)."""
    actor = _actor(request)
    conversation = _conversation_or_404(actor, pk)
    message = Message.objects.filter(pk=message_id, conversation=conversation, kind=MessageKind.BUYER).first()
    if message is None:
        raise Http404(_("No such message."))
    try:
        intents.correct_intent(message=message, intent=_bound(forms.IntentForm(request.POST))["intent"], actor=actor)
    except DomainError as error:
        show_refusal(request, error)
    return _back(request, conversation)


@staff_required
@require_POST
def log_call(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Log a phone call: into this conversation, or (from the inbox) as a new phone
    conversation of the shop chosen."""
    actor = _actor(request)
    conversation = _conversation_or_404(actor, pk) if pk is not None else None
    form = forms.CallForm(request.POST)
    try:
        data = _bound(form)
        shop = conversation.shop if conversation is not None else Shop.objects.filter(pk=data["shop"]).first()
        if shop is None:
            raise ValidationFailed({"shop": _("choose the shop")})
        message = conversations.log_call(
            shop=shop,
            actor=actor,
            number=data["number"],
            duration_seconds=data["duration"],
            summary=data["summary"],
            inbound=data["inbound"],
            conversation=conversation,
            customer=conversation.customer if conversation is not None else None,
        )
    except DomainError as error:
        show_refusal(request, error)
        return _back(request, conversation)
    messages.success(request, _("Call logged."))
    return redirect(_desk_url(message.conversation_id, _filters(request)))


# --- quick replies --------------------------------------------------------------------------------


@staff_required
@require_GET
def quick_replies(request: HttpRequest, pk: int) -> HttpResponse:
    """The picker's list: the replies the agent may use in this conversation's shop."""
    actor = _actor(request)
    conversation = _conversation_or_404(actor, pk)
    replies = list(quickreplies.visible_replies(actor=actor, shop_id=conversation.shop_id)[:300])
    return render(request, "service/partials/quick_replies.html", {"replies": replies, "conversation": conversation})


@staff_required
@require_GET
def quick_reply_text(request: HttpRequest, pk: int) -> JsonResponse:
    """One quick reply, by `id` or `shortcut`, filled from this conversation's buyer and
    order: {"id", "title", "text"}; 404 for none, 422 naming a placeholder without a value."""
    actor = _actor(request)
    conversation = _conversation_or_404(actor, pk)
    reply_id, shortcut = request.GET.get("id", ""), request.GET.get("shortcut", "")
    reply = None
    if reply_id.isdigit():
        reply = quickreplies.visible_replies(actor=actor, shop_id=conversation.shop_id).filter(pk=int(reply_id)).first()
    elif shortcut:
        reply = quickreplies.find_by_shortcut(
            actor=actor, shortcut=shortcut, shop_id=conversation.shop_id, language=conversation.language
        )
    if reply is None:
        return JsonResponse({"error": _("No such quick reply.")}, status=404)
    try:
        text = quickreplies.fill(reply.body, conversation, agent=actor)
    except ValidationFailed as error:
        return JsonResponse({"error": error_text(error)}, status=422)
    return JsonResponse({"id": reply.pk, "title": reply.title, "text": text})
