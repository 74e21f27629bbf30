"""The buyer's chat page in the portal (/service/chat/), signed in with the portal's own
session (portal.views.buyer_required), never a staff login.

Thin views over service.conversations: the page, sending a message (one write path: the
socket only delivers), the messages after an id (catching up without a socket), "read",
and the conversation's images. Everything is the signed-in buyer's own web chat: anyone
else's is a 404 like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sellerdesk.core.errors import DomainError, NotFound
from sellerdesk.core.web import error_text
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.portal import buyer as portal_buyer
from sellerdesk.portal.views import buyer_required, current_buyer, page
from sellerdesk.service import attachments, conversations, queries, realtime
from sellerdesk.service.models import Attachment, Conversation, ConversationChannel, MessageKind

# What the page shows at first; older messages are the archive's (service.archive).
PAGE_MESSAGES = 50
BUYER_KINDS = (MessageKind.BUYER, MessageKind.AGENT, MessageKind.SYSTEM)


def latest_chat(customer: Customer) -> Conversation | None:
    """The buyer's latest web conversation in any status (the one the page shows)."""
    return (
        Conversation.objects.filter(customer=customer, channel=ConversationChannel.WEB)
        .order_by("-last_message_at", "-pk")
        .first()
    )


def _order_asked(customer: Customer, number: str) -> Order | None:
    if not number:
        return None
    try:
        return portal_buyer.order_of(customer, number)
    except NotFound:
        raise Http404(_("No order %(number)s.") % {"number": number}) from None


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refusal(error: DomainError) -> JsonResponse:
    return JsonResponse({"code": error.code, "message": error.message, "details": error.details}, status=error.status)


@buyer_required
@require_GET
def chat(request: HttpRequest) -> HttpResponse:
    customer = current_buyer(request)
    order = _order_asked(customer, request.GET.get("order", ""))
    conversation = latest_chat(customer)
    shown: list[Any] = []
    if conversation is not None:
        recent = conversation.messages.filter(kind__in=BUYER_KINDS).select_related("author")
        shown = list(reversed(recent.prefetch_related("attachments").order_by("-pk")[:PAGE_MESSAGES]))
    context = {
        "conversation": conversation,
        "chat_messages": shown,
        "last_id": shown[-1].pk if shown else 0,
        "order": order,
        "max_chars": conversations.max_message_chars(),
    }
    return page(request, "service/portal_chat.html", context)


@buyer_required
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    """The buyer's message (a form field `body`, images in `attachments`): 201 with the
    message as the socket would deliver it, or the refusal (JSON when asked for it)."""
    customer = current_buyer(request)
    order = _order_asked(customer, request.POST.get("order", ""))
    try:
        files = [
            attachments.read_upload(upload, name=upload.name or "", declared_size=upload.size)
            for upload in request.FILES.getlist("attachments")[: attachments.MAX_ATTACHMENTS + 1]
        ]
        conversation = conversations.conversation_for_buyer(customer=customer, order=order)
        message = conversations.receive_buyer_message(
            conversation=conversation, body=request.POST.get("body", ""), attachments=files
        )
    except DomainError as error:
        if _wants_json(request):
            return _refusal(error)
        messages.error(request, error_text(error))
        return redirect(reverse("service:portal_chat"))
    if _wants_json(request):
        return JsonResponse({"conversation": conversation.pk, "message": realtime.message_json(message)}, status=201)
    return redirect(reverse("service:portal_chat"))


@buyer_required
@require_GET
def messages_after(request: HttpRequest) -> JsonResponse:
    """The buyer's messages after `?after=<id>` in their latest web chat (catching up when
    the socket cannot: the page polls this while disconnected)."""
    customer = current_buyer(request)
    conversation = latest_chat(customer)
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        after = 0
    if conversation is None:
        return JsonResponse({"conversation": None, "messages": [], "complete": True})
    found = [
        message
        for message in queries.messages_since(conversation, after, include_notes=False)
        if message.kind in BUYER_KINDS
    ]
    return JsonResponse(
        {
            "conversation": conversation.pk,
            "status": conversation.status,
            "messages": [realtime.message_json(message) for message in found],
            "complete": len(found) < queries.CATCH_UP_LIMIT,
        }
    )


@buyer_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    """The buyer has seen the agents' messages (the page was in view)."""
    conversation = latest_chat(current_buyer(request))
    if conversation is not None:
        conversations.buyer_read(conversation=conversation)
    return HttpResponse(status=204)


@buyer_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    found = (
        Attachment.objects.filter(
            pk=pk,
            message__conversation__customer=current_buyer(request),
            message__conversation__channel=ConversationChannel.WEB,
            message__kind__in=BUYER_KINDS,
        )
        .only("file", "content_type")
        .first()
    )
    if found is None:
        raise Http404(_("No such image."))
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
