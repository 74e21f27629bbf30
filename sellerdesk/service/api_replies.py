"""/api/v1/service/quick-replies…: the quick replies (快捷短语) an agent inserts — listed
by what the caller may insert (or edit), found by shortcut, filled from a conversation's
order (several in one message), written and deleted by scope (shop-wide, team,
personal), imported from a spreadsheet (XLSX/CSV: all or nothing, every bad row named
`rows[<line>].<column>`) and exported as XLSX. Thin: each handler parses, calls
service.quickreplies, serialises; domain errors become 403/404/409/422 at core.api."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Path, Query, Router, Status, UploadedFile
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.permissions import require
from sellerdesk.service import quickreplies
from sellerdesk.service.access import require_access
from sellerdesk.service.models import Conversation, QuickReply, QuickReplyScope
from sellerdesk.shops.models import Shop

router = Router(tags=["service desk"])

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ScopeName = Literal["shop", "team", "personal"]
LanguageName = Literal["zh-hans", "en"]
assert set(ScopeName.__args__) == set(QuickReplyScope.values)  # type: ignore[attr-defined]
assert set(LanguageName.__args__) == set(quickreplies.LANGUAGES)  # type: ignore[attr-defined]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), AfterValidator(_no_nul)]
Words = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_no_nul)]
Shortcut = Annotated[str, StringConstraints(strip_whitespace=True, max_length=30), AfterValidator(_no_nul)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_no_nul)]
ShopCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_no_nul)]
Search = Annotated[str, StringConstraints(strip_whitespace=True, max_length=80), AfterValidator(_no_nul)]
assert (quickreplies.MAX_TITLE, quickreplies.MAX_BODY, quickreplies.MAX_SHORTCUT, quickreplies.MAX_CATEGORY) == (
    80,
    2000,
    30,
    40,
)


Id = Annotated[int, Path(ge=1, le=MAX_ID)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuickReplyIn(Strict):
    title: Title
    body: Words = Field(description="the words, with placeholders such as {buyer_name} or {tracking_number}")
    scope: ScopeName = "personal"
    shortcut: Shortcut = ""
    category: Category = ""
    language: LanguageName = "zh-hans"
    shop: ShopCode | None = Field(None, description="a shop code: a shop-wide reply of that shop only")
    team: int | None = Field(None, ge=1, le=MAX_ID, description="the team of a team reply (its id)")


class QuickReplyOut(BaseModel):
    id: int
    title: str
    body: str
    scope: str
    shortcut: str
    category: str
    language: str
    shop: str | None
    team: str | None
    team_id: int | None
    owner: str | None
    usage_count: int
    editable: bool
    updated_at: datetime


class QuickReplyFilter(Strict):
    shop: ShopCode | None = Field(None, description="a shop code: that shop's and every shop's replies")
    q: Search | None = Field(None, description="words in the title, text or shortcut")
    scope: ScopeName | None = None
    language: LanguageName | None = None
    editable: bool = Field(False, description="every reply the caller may edit (supervisors: all)")


class FillIn(Strict):
    reply_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=20, description="replies to insert, in order"
    )
    body: Words | None = Field(None, description="or a text with placeholders")
    separator: Literal["\n", " ", ""] = "\n"


class FillOut(BaseModel):
    text: str
    reply_ids: list[int]


class PlaceholderOut(BaseModel):
    name: str
    needs_order: bool


class ReplyImportOut(BaseModel):
    created: int
    updated: int
    unchanged: int


def reply_out(reply: QuickReply, *, actor: Any) -> dict[str, Any]:
    return {
        "id": reply.pk,
        "title": reply.title,
        "body": reply.body,
        "scope": reply.scope,
        "shortcut": reply.shortcut,
        "category": reply.category,
        "language": reply.language,
        "shop": reply.shop.code if reply.shop else None,
        "team": reply.team.name if reply.team else None,
        "team_id": reply.team_id,
        "owner": reply.owner.username if reply.owner else None,
        "usage_count": reply.usage_count,
        "editable": quickreplies.can_edit(actor, reply),
        "updated_at": reply.updated_at,
    }


def _shop_id(code: str | None) -> int | None:
    if not code:
        return None
    shop = Shop.objects.filter(code=code).first()
    if shop is None:
        raise ValidationFailed({"shop": _("unknown shop %(code)s") % {"code": code}})
    return shop.pk


def _draft(payload: QuickReplyIn) -> quickreplies.ReplyDraft:
    return quickreplies.ReplyDraft(
        title=payload.title,
        body=payload.body,
        scope=payload.scope,
        shortcut=payload.shortcut,
        category=payload.category,
        language=payload.language,
        shop_id=_shop_id(payload.shop) if payload.scope == "shop" else None,
        team_id=payload.team if payload.scope == "team" else None,
    )


def _reply(request: HttpRequest, reply_id: int) -> QuickReply:
    actor = actor_of(request)
    reply = quickreplies.editable_replies(actor=actor).filter(pk=reply_id).first()
    if reply is None:
        raise NotFound(_("No quick reply %(id)s.") % {"id": reply_id})
    return reply


def _conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    conversation = (
        Conversation.objects.select_related("shop", "customer", "order", "assignee").filter(pk=conversation_id).first()
    )
    if conversation is None:
        raise NotFound(_("No conversation %(id)s.") % {"id": conversation_id})
    require_access(actor_of(request), conversation, "service.view")
    return conversation


@router.get("/service/quick-replies", response={200: list[QuickReplyOut], **ERROR_RESPONSES})
def list_replies(request: HttpRequest, filters: Query[QuickReplyFilter]) -> Any:
    """The replies the caller may insert (shop-wide of the shop or every shop, their team's,
    their own), or with `editable` those they may manage; by category and title."""
    actor = actor_of(request)
    if filters.editable:
        rows = quickreplies.editable_replies(actor=actor)
    else:
        rows = quickreplies.visible_replies(actor=actor, shop_id=_shop_id(filters.shop))
    rows = quickreplies.search(rows, q=filters.q, scope=filters.scope, language=filters.language)
    return [reply_out(reply, actor=actor) for reply in rows[:1000]]


@router.post("/service/quick-replies", response={201: QuickReplyOut, **ERROR_RESPONSES})
def create_reply(request: HttpRequest, payload: QuickReplyIn) -> Status[Any]:
    """A new quick reply. 422 names each bad field (an unknown placeholder by name, a
    shortcut taken in its place); shop-wide replies need service.configure, team ones the
    team's supervisor."""
    actor = actor_of(request)
    reply = quickreplies.save_reply(actor=actor, draft=_draft(payload))
    return Status(201, reply_out(reply, actor=actor))


@router.get("/service/quick-replies/placeholders", response={200: list[PlaceholderOut], **ERROR_RESPONSES})
def placeholders(request: HttpRequest) -> Any:
    """The placeholders a quick reply may use; those needing the buyer's order say so."""
    require(actor_of(request), "service.view")
    return [
        {"name": name, "needs_order": name in quickreplies.ORDER_PLACEHOLDERS} for name in quickreplies.PLACEHOLDERS
    ]


@router.get(
    "/service/quick-replies/export",
    response={200: None, **ERROR_RESPONSES},
    openapi_extra={"responses": {200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}},
)
def export_replies(request: HttpRequest) -> HttpResponse:
    """The replies the caller may manage as an XLSX workbook (the import's columns)."""
    actor = actor_of(request)
    data = quickreplies.export_xlsx(quickreplies.editable_replies(actor=actor))
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="quick-replies.xlsx"'
    return response


@router.post("/service/quick-replies/import", response={200: ReplyImportOut, **ERROR_RESPONSES})
def import_replies(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Import an .xlsx or .csv (UTF-8 or GBK) with the export's columns. Any bad row: 422
    naming every one as `rows[<line>].<column>`, nothing imported. The same file again
    changes nothing."""
    actor = actor_of(request)
    require(actor, "service.reply")
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        raise ValidationFailed({"file": _("larger than %(n)s MB") % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)}})
    result = quickreplies.import_file(data=file.read(), filename=file.name or "", actor=actor)
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


@router.get("/service/quick-replies/shortcut/{shortcut}", response={200: QuickReplyOut, **ERROR_RESPONSES})
def by_shortcut(request: HttpRequest, shortcut: str, conversation: int | None = None) -> Any:
    """The reply an agent's `;shortcut` inserts (their own first, then the team's, then
    the shop's; in the conversation's shop and language when one is given)."""
    actor = actor_of(request)
    if "\x00" in shortcut or len(shortcut) > 40:
        raise NotFound(_("No quick reply with the shortcut %(shortcut)s.") % {"shortcut": shortcut[:40]})
    shop_id = language = None
    if conversation is not None:
        if not 1 <= conversation <= MAX_ID:
            raise ValidationFailed({"conversation": _("not a conversation id")})
        found = _conversation(request, conversation)
        shop_id, language = found.shop_id, found.language
    reply = quickreplies.find_by_shortcut(actor=actor, shortcut=shortcut, shop_id=shop_id, language=language)
    if reply is None:
        raise NotFound(_("No quick reply with the shortcut %(shortcut)s.") % {"shortcut": shortcut})
    return reply_out(reply, actor=actor)


@router.post("/service/conversations/{conversation_id}/quick-replies/fill", response={200: FillOut, **ERROR_RESPONSES})
def fill_replies(request: HttpRequest, conversation_id: Id, payload: FillIn) -> Any:
    """The text of one or several quick replies (or of `body`) filled from this
    conversation's buyer and order, joined by `separator`: what the composer inserts.
    422 on "body" naming an unknown placeholder, or one the conversation has no value for
    (no order, not shipped yet). Send the message with quick_reply_ids to count the uses."""
    actor = actor_of(request)
    conversation = _conversation(request, conversation_id)
    if not payload.reply_ids and payload.body is None:
        raise ValidationFailed({"reply_ids": _("Name the quick replies to insert, or send a body.")})
    visible = {reply.pk: reply for reply in quickreplies.visible_replies(actor=actor).filter(pk__in=payload.reply_ids)}
    missing = [reply_id for reply_id in payload.reply_ids if reply_id not in visible]
    if missing:
        raise ValidationFailed(
            {"reply_ids": _("No quick reply %(ids)s for you.") % {"ids": ", ".join(map(str, missing))}}
        )
    bodies = [visible[reply_id].body for reply_id in payload.reply_ids]
    if payload.body is not None:
        bodies.append(payload.body)
    text = quickreplies.fill(payload.separator.join(bodies), conversation, agent=actor)
    return {"text": text, "reply_ids": list(payload.reply_ids)}


@router.get("/service/quick-replies/{reply_id}", response={200: QuickReplyOut, **ERROR_RESPONSES})
def get_reply(request: HttpRequest, reply_id: Id) -> Any:
    return reply_out(_reply(request, reply_id), actor=actor_of(request))


@router.put("/service/quick-replies/{reply_id}", response={200: QuickReplyOut, **ERROR_RESPONSES})
def update_reply(request: HttpRequest, reply_id: Id, payload: QuickReplyIn) -> Any:
    """Change a reply the caller may edit (403 otherwise); checked as when created."""
    actor = actor_of(request)
    reply = quickreplies.save_reply(actor=actor, draft=_draft(payload), reply=_reply(request, reply_id))
    return reply_out(reply, actor=actor)


@router.delete("/service/quick-replies/{reply_id}", response={204: None, **ERROR_RESPONSES})
def delete_reply(request: HttpRequest, reply_id: Id) -> Status[None]:
    quickreplies.delete_reply(actor=actor_of(request), reply=_reply(request, reply_id))
    return Status(204, None)
