"""The satisfaction survey (满意度调查): sent when a conversation is resolved — once per
conversation, ever (Survey is one-to-one with it) — through the notifications outbox, with
a link to a public page where the buyer gives 1–5 and a comment.

The channel follows the conversation's: web chat and marketplace messages by chat (the
outbox's chat channel posts it into the buyer's web chat), email by email to the address
that wrote, a phone call by SMS to the number. The link carries a random token; only its
SHA-256 is stored. The answer goes into the day's figures (service.figures.csat) and the
conversation's timeline.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.notifications import outbox, templates
from sellerdesk.notifications.models import Channel, MessageKind
from sellerdesk.service import config, events, figures
from sellerdesk.service.models import Conversation, ConversationChannel, Survey

SURVEY_SENT = "service_survey_sent"
SURVEY_ANSWERED = "service_survey_answered"
events.register_code(
    SURVEY_SENT,
    gettext_lazy("Satisfaction survey sent (%(channel)s)"),
    format=lambda data: {"channel": _channel_label(data.get("channel", ""))},
    example={"channel": "im", "outgoing_message": 1},
)
events.register_code(
    SURVEY_ANSWERED,
    gettext_lazy("The buyer rated the service %(score)s of 5"),
    example={"score": 5, "comment": "回复很快，谢谢"},
)

MAX_COMMENT = 500
SCORES = (1, 2, 3, 4, 5)


def _channel_label(value: str) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return value


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_url() -> str:
    """Where buyers reach this installation (SERVICE PUBLIC_URL, e.g. https://shop.example)."""
    configured = config.setting("PUBLIC_URL", "http://127.0.0.1:8000")
    return str(configured).rstrip("/")


def survey_link(token: str) -> str:
    return public_url() + reverse("service:survey", args=[token])


@dataclass(frozen=True)
class Route:
    channel: str
    recipient: str


def route_for(conversation: Conversation) -> Route | None:
    """How the survey reaches the buyer of this conversation, or None when it cannot."""
    if conversation.channel == ConversationChannel.EMAIL:
        return Route(Channel.EMAIL, conversation.contact) if conversation.contact else None
    if conversation.channel == ConversationChannel.PHONE:
        number = conversation.contact or (conversation.customer.phone if conversation.customer else "")
        return Route(Channel.SMS, number) if number else None
    # Web chat and marketplace messages: by chat into the buyer's conversation, which
    # needs a known buyer.
    if conversation.customer_id is None:
        return None
    return Route(Channel.IM, str(conversation.customer_id))


def survey_text(conversation: Conversation, link: str) -> str:
    with override(conversation.language or settings.LANGUAGE_CODE):
        return _(
            "Thank you for contacting %(shop)s customer service! How did we do? Please rate our service from 1 to "
            "5 and tell us what you think: %(link)s"
        ) % {"shop": conversation.shop.name, "link": link}


def send_survey(conversation: Conversation, *, at: datetime) -> None:
    """Send the survey for a resolved conversation — once per conversation, ever. In the
    caller's transaction (the resolve): the Survey row and the outbox message are written
    together, the message sent after the commit. Nothing when the buyer cannot be reached
    (a web chat without a known buyer, an email without an address)."""
    if Survey.objects.filter(conversation=conversation).exists():
        return
    route = route_for(conversation)
    if route is None:
        return
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        survey = Survey.objects.create(conversation=conversation, token_hash=hash_token(token), sent_at=at)
        text = survey_text(conversation, survey_link(token))
        params = {"text": text, "shop_name": conversation.shop.name}
        # The channel's wording of a desk message (an SMS signed 【shop】 as Chinese
        # gateways require, an email with the shop's signature), the shop's own if it has one.
        words = templates.render(
            kind=MessageKind.SERVICE_MESSAGE,
            channel=route.channel,
            language=conversation.language,
            params=params,
            shop=conversation.shop,
        )
        with override(conversation.language or settings.LANGUAGE_CODE):
            subject = _("How did we do? %(shop)s customer service") % {"shop": conversation.shop.name}
        message = outbox.enqueue(
            kind=MessageKind.SERVICE_MESSAGE,
            channel=route.channel,
            recipient=route.recipient,
            key=f"service:survey:{conversation.pk}",
            at=at,
            text=words.body or text,
            subject=subject,
            params=params,
            order=conversation.order,
            customer=conversation.customer,
            shop=conversation.shop,
            language=conversation.language,
        )
        events.record_event(
            conversation=conversation,
            code=SURVEY_SENT,
            at=at,
            channel=route.channel,
            outgoing_message=message.pk if message is not None else None,
            survey=survey.pk,
        )


def survey_for_token(token: str) -> Survey:
    """The survey of a link's token (NotFound for a token nobody was sent)."""
    survey = (
        Survey.objects.select_related("conversation", "conversation__shop")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if survey is None:
        raise NotFound(_("This survey link is not valid."))
    return survey


def answer(*, token: str, score: int, comment: str = "", at: datetime | None = None) -> Survey:
    """The buyer's answer through the link: a score 1–5 and an optional comment (at most 500
    characters). Once: a second answer is refused (409). Counted in the day's CSAT figure
    and written on the conversation's timeline."""
    at = at or timezone.now()
    errors = {}
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        errors["score"] = _("A whole number from 1 to 5.")
    comment = (comment or "").replace("\x00", "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _("At most %(n)s characters.") % {"n": MAX_COMMENT}
    if errors:
        raise ValidationFailed(errors)
    survey = survey_for_token(token)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().select_related("conversation").get(pk=survey.pk)
        if survey.answered_at is not None:
            raise Conflict("survey_answered", _("This survey was already answered. Thank you!"))
        survey.score = score
        survey.comment = comment
        survey.answered_at = at
        survey.save(update_fields=["score", "comment", "answered_at"])
        figures.csat(survey.conversation, score=score, at=at)
        events.record_event(conversation=survey.conversation, code=SURVEY_ANSWERED, at=at, score=score, comment=comment)
    return survey
