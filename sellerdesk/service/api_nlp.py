"""Service desk API — owner: H3 (classify, check-draft, forbidden phrases, intent corrections).

Two endpoints have a fixed shape because tools outside the project score them:
POST /service/classify {"text"} → {"intent", "confidence"} and POST /service/check-draft
{"text"} → {"forbidden": [{"phrase", "alternative", "start", "end"}]}. Both need a
signed-in user with service.view; both only read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.core import refcache
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.permissions import require
from sellerdesk.service import forbidden, intents
from sellerdesk.service.models import ForbiddenPhrase, Message

router = Router(tags=["service desk"])

# Far above any chat message (the desk's limit is SERVICE MAX_MESSAGE_CHARS); the matcher
# and the model are linear, this only bounds the work one request can ask for.
MAX_TEXT = 20000
# Ids beyond a database integer are no row (and would make SQLite raise OverflowError).


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextIn(BaseModel):
    text: str = Field(max_length=MAX_TEXT)


class ClassifyOut(BaseModel):
    intent: str
    confidence: float


class ForbiddenOut(BaseModel):
    phrase: str
    alternative: str
    start: int
    end: int


class CheckDraftOut(BaseModel):
    forbidden: list[ForbiddenOut]


@router.post("/service/classify", response={200: ClassifyOut, **ERROR_RESPONSES})
def classify(request: HttpRequest, payload: TextIn) -> Any:
    """The intent of a buyer message: one of the twelve labels or "unclassified" (below
    the confidence threshold), with the model's confidence 0.0–1.0."""
    require(actor_of(request), "service.view")
    prediction = intents.classify(payload.text)
    return {"intent": prediction.intent, "confidence": prediction.confidence}


@router.post("/service/check-draft", response={200: CheckDraftOut, **ERROR_RESPONSES})
def check_draft(request: HttpRequest, payload: TextIn) -> Any:
    """The forbidden phrases in an agent's draft with their polite wording; start/end
    index the text as given (end exclusive); an empty list when the draft is clean."""
    require(actor_of(request), "service.view")
    return {
        "forbidden": [
            {"phrase": hit.phrase, "alternative": hit.alternative, "start": hit.start, "end": hit.end}
            for hit in forbidden.check_draft(payload.text)
        ]
    }


# --- the forbidden-phrase list (service.configure) ----------------------------------------


class PhraseOut(BaseModel):
    id: int
    phrase: str
    alternative: str
    variants: list[str]
    category: str
    active: bool
    created_at: datetime
    updated_at: datetime


class PhraseIn(Strict):
    phrase: str = Field(min_length=1, max_length=100)
    alternative: str = Field(min_length=1, max_length=300)
    variants: list[str] = Field(default_factory=list, max_length=50)
    category: str = Field(default="", max_length=40)
    active: bool = True


class PhrasePatch(Strict):
    phrase: str | None = Field(default=None, min_length=1, max_length=100)
    alternative: str | None = Field(default=None, min_length=1, max_length=300)
    variants: list[str] | None = Field(default=None, max_length=50)
    category: str | None = Field(default=None, max_length=40)
    active: bool | None = None


def _phrase_out(row: ForbiddenPhrase) -> dict[str, Any]:
    return {
        "id": row.pk,
        "phrase": row.phrase,
        "alternative": row.alternative,
        "variants": list(row.variants or []),
        "category": row.category,
        "active": row.active,
        "created_at": timezone.localtime(row.created_at),
        "updated_at": timezone.localtime(row.updated_at),
    }


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    """Strip the texts and refuse what the matcher could not read, naming the field."""
    for name in ("phrase", "alternative", "category"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    for name in ("phrase", "alternative"):
        if name in fields and fields[name] is not None and not fields[name]:
            raise ValidationFailed({name: _("must not be empty")})
    if fields.get("phrase"):
        try:
            forbidden.compile_wording(fields["phrase"])
        except ValueError:
            raise ValidationFailed({"phrase": _("this wording cannot be read")}) from None
    if fields.get("variants") is not None:
        variants = []
        for index, wording in enumerate(fields["variants"]):
            wording = str(wording).strip()
            if not wording:
                continue
            if len(wording) > 200:
                raise ValidationFailed({f"variants[{index}]": _("at most 200 characters")})
            try:
                forbidden.compile_wording(wording)
            except ValueError:
                raise ValidationFailed({f"variants[{index}]": _("this wording cannot be read")}) from None
            variants.append(wording)
        fields["variants"] = variants
    return fields


def _phrase(phrase_id: int) -> ForbiddenPhrase:
    row = ForbiddenPhrase.objects.filter(pk=phrase_id).first() if 0 < phrase_id <= MAX_ID else None
    if row is None:
        raise NotFound(_("No forbidden phrase %(id)s.") % {"id": phrase_id}, details={"id": phrase_id})
    return row


def _save(row: ForbiddenPhrase, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            row.save(update_fields=fields) if fields else row.save()
    except IntegrityError:
        raise ValidationFailed({"phrase": _("this phrase is already in the list")}) from None
    finally:
        refcache.forget_all()


@router.get("/service/forbidden-phrases", response={200: list[PhraseOut], **ERROR_RESPONSES})
def list_phrases(request: HttpRequest) -> Any:
    """The forbidden-phrase list, active and inactive (service.view: agents see it too)."""
    require(actor_of(request), "service.view")
    return [_phrase_out(row) for row in ForbiddenPhrase.objects.order_by("pk")]


@router.post("/service/forbidden-phrases", response={201: PhraseOut, **ERROR_RESPONSES})
def create_phrase(request: HttpRequest, payload: PhraseIn) -> Status[Any]:
    """Add a phrase (service.configure); 422 names a duplicate or an unreadable variant."""
    require(actor_of(request), "service.configure")
    fields = _checked(payload.model_dump())
    moment = timezone.now()
    row = ForbiddenPhrase(**fields, created_at=moment, updated_at=moment)
    _save(row)
    return Status(201, _phrase_out(row))


@router.get("/service/forbidden-phrases/{phrase_id}", response={200: PhraseOut, **ERROR_RESPONSES})
def get_phrase(request: HttpRequest, phrase_id: int) -> Any:
    require(actor_of(request), "service.view")
    return _phrase_out(_phrase(phrase_id))


@router.patch("/service/forbidden-phrases/{phrase_id}", response={200: PhraseOut, **ERROR_RESPONSES})
def update_phrase(request: HttpRequest, phrase_id: int, payload: PhrasePatch) -> Any:
    """Change a phrase, its wording, variants, category, or switch it off (service.configure)."""
    require(actor_of(request), "service.configure")
    row = _phrase(phrase_id)
    fields = _checked({k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None})
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = timezone.now()
    _save(row, [*fields, "updated_at"])
    return _phrase_out(row)


@router.delete("/service/forbidden-phrases/{phrase_id}", response={204: None, **ERROR_RESPONSES})
def delete_phrase(request: HttpRequest, phrase_id: int) -> Status[None]:
    """Remove a phrase (its past hits keep their text; service.configure)."""
    require(actor_of(request), "service.configure")
    _phrase(phrase_id).delete()
    refcache.forget_all()
    return Status(204, None)


class HitCountOut(BaseModel):
    agent_id: int
    username: str
    name: str
    hits: int
    sent_anyway: int
    rewritten: int


class HitCountQuery(BaseModel):
    start: datetime
    end: datetime
    shop_id: int | None = Field(default=None, ge=1, le=MAX_ID)


@router.get("/service/forbidden-hits/by-agent", response={200: list[HitCountOut], **ERROR_RESPONSES})
def hits_by_agent(request: HttpRequest, filters: Query[HitCountQuery]) -> Any:
    """How often each agent's drafts were caught in [start, end), sent anyway with a
    reason or rewritten (service.supervise)."""
    require(actor_of(request), "service.supervise")
    if filters.end <= filters.start:
        raise ValidationFailed({"end": _("must be after start")})
    return forbidden.hits_by_agent(start=filters.start, end=filters.end, shop_id=filters.shop_id)


# --- intent corrections ----------------------------------------------------------------------


class IntentIn(Strict):
    intent: str = Field(max_length=30)


class MessageIntentOut(BaseModel):
    id: int
    intent: str
    confidence: float


@router.post("/service/messages/{message_id}/intent", response={200: MessageIntentOut, **ERROR_RESPONSES})
def correct_intent(request: HttpRequest, message_id: int, payload: IntentIn) -> Any:
    """Correct the intent of a buyer message (service.reply, on a conversation of the
    agent's shops); the correction is kept for retraining (scripts/train_intents.py)."""
    actor = actor_of(request)
    require(actor, "service.reply")
    message = Message.objects.filter(pk=message_id).first() if 0 < message_id <= MAX_ID else None
    if message is None:
        raise NotFound(_("No message %(id)s.") % {"id": message_id}, details={"id": message_id})
    message = intents.correct_intent(message=message, intent=payload.intent, actor=actor)
    return {"id": message.pk, "intent": message.intent, "confidence": message.intent_confidence}
