"""Quick replies (快捷短语): texts an agent inserts by shortcut, with placeholders filled
from the buyer's current order.

Placeholders are written `{name}` (`{{` and `}}` stand for a literal brace); the names are
fixed (PLACEHOLDERS). A reply is checked when saved or imported (`check_body`: an unknown
or malformed placeholder is refused, naming it) and filled when inserted (`fill`: from the
conversation's order — its buyer, number, goods with colour and size, total, pay-by time,
carrier and tracking number, promised ship date — the shop and the agent). A placeholder
whose value the conversation does not have (no order, not shipped yet) is refused with a
clear error rather than sent as a gap in the sentence.

Scopes: shop-wide (every agent; one shop or every shop), team (the agents of a team) and
personal (one agent). `visible_replies` is what an agent may insert; several replies may
go into one message (the desk joins them) and each use is counted (`record_use`).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from sellerdesk.catalog.models import ATTRIBUTE_ORDER
from sellerdesk.core.audit import record, register_audit_code
from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.core.tables import Limits, read_upload
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentDirection
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.orders.states import PaymentStatus
from sellerdesk.service.access import agent_shop_ids
from sellerdesk.service.models import AgentProfile, Conversation, QuickReply, QuickReplyScope, Team
from sellerdesk.shops.models import Shop

# The placeholders a quick reply may use, in the order the editor lists them.
PLACEHOLDERS: tuple[str, ...] = (
    "buyer_name",
    "order_number",
    "goods",
    "total",
    "pay_by",
    "carrier",
    "tracking_number",
    "promised_ship_date",
    "shop_name",
    "agent_name",
)
# Those that need the buyer's current order.
ORDER_PLACEHOLDERS = frozenset(
    {"order_number", "goods", "total", "pay_by", "carrier", "tracking_number", "promised_ship_date"}
)

# `{{`, `}}`, a placeholder `{name}`, or any other brace (malformed).
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def placeholders_in(body: str) -> tuple[list[str], list[str]]:
    """The placeholder names `body` uses (in order, repeated as written) and its malformed
    pieces (a brace that opens no placeholder)."""
    used: list[str] = []
    malformed: list[str] = []
    for match in _TOKEN.finditer(body):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if token in ("{", "}"):
            # A stray brace: show it with what follows, so that the writer finds it.
            piece = re.match(r"\S{1,20}", body[match.start() :])
            malformed.append(piece.group(0) if piece else token)
        elif name is None or not name.strip() or name != name.strip():
            malformed.append(token)
        else:
            used.append(name)
    return used, malformed


def body_problem(body: str) -> str:
    """Why `body` cannot be a quick reply ("" when it can): unknown or malformed placeholders."""
    used, malformed = placeholders_in(body)
    unknown = [name for name in dict.fromkeys(used) if name not in PLACEHOLDERS]
    problems = []
    if unknown:
        problems.append(
            _("unknown placeholder %(placeholders)s (a quick reply may use %(allowed)s)")
            % {
                "placeholders": ", ".join("{" + name + "}" for name in unknown),
                "allowed": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            }
        )
    if malformed:
        problems.append(
            _("malformed placeholder %(pieces)s (write {name}, or {{ and }} for a brace)")
            % {"pieces": ", ".join(dict.fromkeys(malformed))}
        )
    return "; ".join(problems)


def check_body(body: str, *, field: str = "body") -> None:
    """Refuse (ValidationFailed on `field`) a text with an unknown or malformed placeholder."""
    problem = body_problem(body)
    if problem:
        raise ValidationFailed({field: problem}, _("The quick reply has placeholders that cannot be filled."))


# --- the values ------------------------------------------------------------------------------


def current_order(conversation: Conversation) -> Order | None:
    """The order a conversation is about: its own, else the buyer's newest in the shop."""
    if conversation.order_id is not None:
        return conversation.order
    if conversation.customer_id is None:
        return None
    return (
        Order.objects.filter(customer_id=conversation.customer_id, shop_id=conversation.shop_id)
        .select_related("shop")
        .order_by("-created_at", "-pk")
        .first()
    )


def goods_lines(lines: Iterable[OrderLine]) -> str:
    """The goods one line each, "title 颜色/尺码 ×n" (colour before size, whatever order the
    database keeps the attributes in)."""
    rows = []
    for line in lines:
        values = line.attributes or {}
        keys = sorted(values, key=lambda key: (ATTRIBUTE_ORDER.get(key, len(ATTRIBUTE_ORDER)), key))
        attributes = "/".join(str(values[key]) for key in keys if values[key])
        title = line.name if not attributes else f"{line.name} {attributes}"
        rows.append(f"{title} ×{line.quantity}")
    return "\n".join(rows)


def _when(value: datetime | date, language: str) -> str:
    if isinstance(value, datetime):
        local = timezone.localtime(value, timezone.get_default_timezone())
        if language.startswith("zh"):
            return f"{local.month}月{local.day}日 {local:%H:%M}"
        return f"{local.day} {local:%b} {local:%H:%M}"
    if language.startswith("zh"):
        return f"{value.month}月{value.day}日"
    return f"{value.day} {value:%b}"


def _tracking(order: Order) -> tuple[str, str]:
    """(carrier's name, tracking number) of the order's parcel: the order's own fields,
    else its newest outbound shipment with a number."""
    carrier, number = order.carrier.strip(), order.tracking_number.strip()
    if not number:
        shipment = (
            Shipment.objects.filter(order=order, direction=ShipmentDirection.OUTBOUND, cancelled_at__isnull=True)
            .exclude(tracking_number="")
            .select_related("carrier")
            .order_by("-created_at", "-pk")
            .first()
        )
        if shipment is not None:
            return shipment.carrier.name, shipment.tracking_number
    if carrier:
        # The order keeps the carrier as typed or as its code; the buyer reads its name.
        known = Carrier.objects.filter(Q(code=carrier) | Q(name=carrier)).values_list("name", flat=True).first()
        carrier = known or carrier
    return carrier, number


class _Values:
    """The placeholder values of one conversation, each looked up when first asked for."""

    def __init__(self, conversation: Conversation, agent: User | None) -> None:
        self.conversation = conversation
        self.agent = agent
        self.language = conversation.language or "zh-hans"
        self._order: Order | None = None
        self._order_loaded = False
        self._tracking: tuple[str, str] | None = None

    @property
    def order(self) -> Order | None:
        if not self._order_loaded:
            self._order = current_order(self.conversation)
            self._order_loaded = True
        return self._order

    def tracking(self) -> tuple[str, str]:
        if self._tracking is None:
            self._tracking = _tracking(self.order) if self.order is not None else ("", "")
        return self._tracking

    def value(self, name: str) -> tuple[str, str]:
        """(value, why it is missing) of one placeholder; exactly one is empty."""
        order = self.order
        if name in ORDER_PLACEHOLDERS and order is None:
            return "", _("the conversation has no order")
        getter: Callable[[], tuple[str, str]] = getattr(self, f"_{name}")
        return getter()

    def _buyer_name(self) -> tuple[str, str]:
        conversation, order = self.conversation, self.order
        name = (
            (order.buyer_name if order is not None else "")
            or (conversation.customer.name if conversation.customer_id and conversation.customer else "")
            or conversation.contact_name
        )
        if name:
            return name, ""
        with override(self.language):
            # Taobao's way of addressing a buyer whose name is not known (亲).
            return _("dear customer"), ""

    def _order_number(self) -> tuple[str, str]:
        assert self.order is not None
        return self.order.number, ""

    def _goods(self) -> tuple[str, str]:
        assert self.order is not None
        return goods_lines(self.order.lines.order_by("position")), ""

    def _total(self) -> tuple[str, str]:
        assert self.order is not None
        return f"{self.order.total:.2f}", ""

    def _pay_by(self) -> tuple[str, str]:
        order = self.order
        assert order is not None
        if order.payment_status == PaymentStatus.PAID or order.pay_deadline is None:
            return "", _("the order %(number)s has no payment due") % {"number": order.number}
        return _when(order.pay_deadline, self.language), ""

    def _carrier(self) -> tuple[str, str]:
        carrier, _number = self.tracking()
        if not carrier:
            return "", _("the order %(number)s has no carrier yet") % {
                "number": self.order.number if self.order else ""
            }
        return carrier, ""

    def _tracking_number(self) -> tuple[str, str]:
        _carrier, number = self.tracking()
        if not number:
            return "", _("the order %(number)s has no tracking number yet") % {
                "number": self.order.number if self.order else ""
            }
        return number, ""

    def _promised_ship_date(self) -> tuple[str, str]:
        order = self.order
        assert order is not None
        if order.promised_ship_date is None:
            return "", _("the order %(number)s has no promised ship date") % {"number": order.number}
        return _when(order.promised_ship_date, self.language), ""

    def _shop_name(self) -> tuple[str, str]:
        return self.conversation.shop.name, ""

    def _agent_name(self) -> tuple[str, str]:
        agent = self.agent or self.conversation.assignee
        if agent is None:
            return "", _("no agent is answering the conversation")
        return agent.signature, ""


def fill(body: str, conversation: Conversation, *, agent: User | None = None) -> str:
    """`body` with its {placeholders} filled from the conversation's buyer and current
    order (the conversation's, else the buyer's newest in the shop), the shop and the
    agent (`agent`, else the conversation's assignee). Raises ValidationFailed on "body"
    naming every unknown or malformed placeholder, and every placeholder the conversation
    has no value for (no order, no tracking number yet…); nothing is half-filled."""
    check_body(body)
    used, _malformed = placeholders_in(body)
    values = _Values(conversation, agent)
    filled: dict[str, str] = {}
    missing: list[str] = []
    for name in dict.fromkeys(used):
        value, why = values.value(name)
        if why:
            missing.append(f"{{{name}}}: {why}")
        filled[name] = value
    if missing:
        raise ValidationFailed(
            {"body": "; ".join(missing)}, _("The quick reply needs values this conversation does not have.")
        )

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return filled[match.group(1)]

    return _TOKEN.sub(one, body)


# --- who sees and edits which replies -------------------------------------------------------

QUICK_REPLY = "quick_reply"
QUICK_REPLY_SAVED = "quick_reply_saved"
QUICK_REPLY_DELETED = "quick_reply_deleted"
QUICK_REPLIES_IMPORTED = "quick_replies_imported"
register_audit_code(
    QUICK_REPLY_SAVED,
    QUICK_REPLY,
    gettext_lazy("Quick reply %(title)s saved (%(scope)s)."),
    format=lambda data: {"title": data.get("title", ""), "scope": _scope_label(data.get("scope", ""))},
    example={"title": "问候", "scope": "shop"},
)
register_audit_code(
    QUICK_REPLY_DELETED,
    QUICK_REPLY,
    gettext_lazy("Quick reply %(title)s deleted."),
    example={"title": "问候"},
)
register_audit_code(
    QUICK_REPLIES_IMPORTED,
    QUICK_REPLY,
    gettext_lazy("Quick replies imported from %(filename)s: %(created)s new, %(updated)s changed."),
    example={"filename": "replies.xlsx", "created": 3, "updated": 1},
)

MAX_TITLE = 80
MAX_SHORTCUT = 30
MAX_CATEGORY = 40
MAX_BODY = 2000
LANGUAGES = ("zh-hans", "en")
# A shortcut is typed after ";" in the composer: letters, digits, _ and -, or Chinese.
_SHORTCUT = re.compile(r"[0-9A-Za-z_\-\u4e00-\u9fff]{1,30}\Z")


def _scope_label(value: str) -> str:
    try:
        return str(QuickReplyScope(value).label)
    except ValueError:
        return value


def normalize_shortcut(value: str) -> str:
    """A shortcut as stored and looked up: without the ";" or "/" typed before it, lower case."""
    return value.strip().lstrip(";；/").strip().lower()


def agent_team_id(actor: User) -> int | None:
    """The team of the agent (their AgentProfile), if any."""
    return AgentProfile.objects.filter(user=actor).values_list("team_id", flat=True).first()


def visible_replies(*, actor: User, shop_id: int | None = None) -> QuerySet[QuickReply]:
    """The replies an agent may insert: shop-wide ones (of every shop, or of `shop_id` —
    or of the agent's shops when no shop is given), their team's, and their own."""
    require(actor, "service.view")
    shop_filter = Q(shop__isnull=True)
    if shop_id is not None:
        shop_filter |= Q(shop_id=shop_id)
    else:
        shops = agent_shop_ids(actor)
        shop_filter |= Q(shop__isnull=False) if shops is None else Q(shop_id__in=shops)
    visible = Q(scope=QuickReplyScope.SHOP) & shop_filter
    team_id = agent_team_id(actor)
    if team_id is not None:
        visible |= Q(scope=QuickReplyScope.TEAM, team_id=team_id)
    visible |= Q(scope=QuickReplyScope.PERSONAL, owner=actor)
    return QuickReply.objects.filter(visible).select_related("shop", "team", "owner")


# The most specific first: an agent's own shortcut wins over the team's, the team's over the shop's.
_SCOPE_RANK = {QuickReplyScope.PERSONAL: 0, QuickReplyScope.TEAM: 1, QuickReplyScope.SHOP: 2}


def find_by_shortcut(
    *, actor: User, shortcut: str, shop_id: int | None = None, language: str | None = None
) -> QuickReply | None:
    """The visible reply with this shortcut (";hi" and "HI" find "hi"); one in `language`
    (the conversation's) first, then the agent's own before the team's before the
    shop's, a shop's own before the every-shop one."""
    key = normalize_shortcut(shortcut)
    if not key:
        return None
    found = list(visible_replies(actor=actor, shop_id=shop_id).filter(shortcut=key))
    found.sort(
        key=lambda reply: (
            language is not None and reply.language != language,
            _SCOPE_RANK[QuickReplyScope(reply.scope)],
            reply.shop_id is None,
            reply.pk,
        )
    )
    return found[0] if found else None


def record_use(reply_ids: Iterable[int]) -> None:
    """Count one use of each reply (a reply inserted twice in one message counts twice),
    with UPDATE … SET usage_count = usage_count + n: concurrent sends never lose a count."""
    counts = Counter(int(reply_id) for reply_id in reply_ids)
    by_count: dict[int, list[int]] = {}
    for reply_id, times in counts.items():
        by_count.setdefault(times, []).append(reply_id)
    for times, ids in sorted(by_count.items()):
        QuickReply.objects.filter(pk__in=ids).update(usage_count=F("usage_count") + times)


def search(
    rows: QuerySet[QuickReply], *, q: str | None = None, scope: str | None = None, language: str | None = None
) -> QuerySet[QuickReply]:
    """`rows` narrowed to words in the title, text, shortcut or category, a scope, a language."""
    if q:
        rows = rows.filter(
            Q(title__icontains=q) | Q(body__icontains=q) | Q(shortcut__icontains=q) | Q(category__icontains=q)
        )
    if scope:
        rows = rows.filter(scope=scope)
    if language:
        rows = rows.filter(language=language)
    return rows


def can_edit(actor: User, reply: QuickReply) -> bool:
    """Shop-wide replies: service.configure; a team's: its supervisor or service.configure;
    personal ones: their owner."""
    if reply.scope == QuickReplyScope.PERSONAL:
        return reply.owner_id == actor.pk
    if has_permission(actor, "service.configure"):
        return True
    if reply.scope == QuickReplyScope.TEAM and reply.team_id is not None:
        return Team.objects.filter(pk=reply.team_id, supervisor=actor).exists()
    return False


@dataclass(frozen=True)
class ReplyDraft:
    """What a quick reply is made of, before it is checked (the API's and the import's rows)."""

    title: str
    body: str
    scope: str = QuickReplyScope.PERSONAL
    shortcut: str = ""
    category: str = ""
    language: str = "zh-hans"
    shop_id: int | None = None
    team_id: int | None = None
    # A personal reply's owner (None: the actor); only service.configure names another.
    owner_id: int | None = None


def _checked(draft: ReplyDraft, *, actor: User, prefix: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """(the model's values, problems by field) of a draft. Writes nothing."""
    errors: dict[str, str] = {}
    title = (draft.title or "").strip()
    body = (draft.body or "").replace("\r\n", "\n").strip()
    shortcut = normalize_shortcut(draft.shortcut or "")
    category = (draft.category or "").strip()
    language = (draft.language or "zh-hans").strip().lower().replace("_", "-")
    if not title:
        errors["title"] = _("A title is required.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("At most %(n)s characters.") % {"n": MAX_TITLE}
    if not body:
        errors["body"] = _("The text may not be empty.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("At most %(n)s characters.") % {"n": MAX_BODY}
    else:
        problem = body_problem(body)
        if problem:
            errors["body"] = problem
    if shortcut and not _SHORTCUT.match(shortcut):
        errors["shortcut"] = _("1 to %(n)s letters, digits, _ or - (or Chinese characters).") % {"n": MAX_SHORTCUT}
    if len(category) > MAX_CATEGORY:
        errors["category"] = _("At most %(n)s characters.") % {"n": MAX_CATEGORY}
    if language.startswith("zh"):
        language = "zh-hans"
    elif language.startswith("en"):
        language = "en"
    else:
        errors["language"] = _("one of %(values)s") % {"values": ", ".join(LANGUAGES)}
    values: dict[str, Any] = {
        "title": title,
        "body": body,
        "shortcut": shortcut,
        "category": category,
        "language": language,
        "scope": draft.scope,
        "shop_id": None,
        "team_id": None,
        "owner_id": None,
    }
    if draft.scope == QuickReplyScope.SHOP:
        if not has_permission(actor, "service.configure"):
            errors["scope"] = _("Only a supervisor or the owner may write shop-wide quick replies.")
        if draft.shop_id is not None:
            if not Shop.objects.filter(pk=draft.shop_id).exists():
                errors["shop"] = _("No such shop.")
            values["shop_id"] = draft.shop_id
    elif draft.scope == QuickReplyScope.TEAM:
        team = Team.objects.filter(pk=draft.team_id).first() if draft.team_id is not None else None
        if team is None:
            errors["team"] = _("A team quick reply needs its team.")
        elif not (has_permission(actor, "service.configure") or team.supervisor_id == actor.pk):
            errors["scope"] = _("Only the team's supervisor may write its quick replies.")
        values["team_id"] = draft.team_id
    elif draft.scope == QuickReplyScope.PERSONAL:
        owner_id = draft.owner_id if draft.owner_id is not None else actor.pk
        if owner_id != actor.pk and not has_permission(actor, "service.configure"):
            errors["owner"] = _("Only a supervisor may write another agent's personal quick replies.")
        values["owner_id"] = owner_id
    else:
        errors["scope"] = _("one of %(values)s") % {"values": ", ".join(QuickReplyScope.values)}
    return values, {f"{prefix}{field}": why for field, why in errors.items()}


def _same_key(values: dict[str, Any]) -> QuerySet[QuickReply]:
    """The replies a new one would collide with: the same shortcut (or, without one, the
    same title) in the same place (the shop, team or owner of its scope) and language."""
    rows = QuickReply.objects.filter(
        scope=values["scope"],
        shop_id=values["shop_id"],
        team_id=values["team_id"],
        owner_id=values["owner_id"],
        language=values["language"],
    )
    if values["shortcut"]:
        return rows.filter(shortcut=values["shortcut"])
    return rows.filter(shortcut="", title=values["title"])


@transaction.atomic
def save_reply(
    *, actor: User, draft: ReplyDraft, reply: QuickReply | None = None, at: datetime | None = None
) -> QuickReply:
    """Create a quick reply, or change `reply`: checked (ValidationFailed naming every bad
    field, unknown placeholders by name; nothing written), the shortcut unique in its
    place (shop, team or owner), audited."""
    require(actor, "service.reply")
    at = at or timezone.now()
    if reply is not None:
        reply = QuickReply.objects.select_for_update().get(pk=reply.pk)
        if not can_edit(actor, reply):
            raise PermissionDenied(_("You may not change this quick reply."))
    values, errors = _checked(draft, actor=actor)
    if not errors and values["shortcut"]:
        clash = _same_key(values)
        if reply is not None:
            clash = clash.exclude(pk=reply.pk)
        if clash.exists():
            errors["shortcut"] = _("Another quick reply here already has the shortcut %(shortcut)s.") % {
                "shortcut": values["shortcut"]
            }
    if errors:
        raise ValidationFailed(errors)
    if reply is None:
        reply = QuickReply.objects.create(**values, created_at=at, updated_at=at)
    else:
        for name, value in values.items():
            setattr(reply, name, value)
        reply.updated_at = at
        reply.save()
    record(
        object_kind=QUICK_REPLY,
        object_id=reply.pk,
        code=QUICK_REPLY_SAVED,
        actor=actor,
        at=at,
        title=reply.title,
        scope=reply.scope,
    )
    return reply


@transaction.atomic
def delete_reply(*, actor: User, reply: QuickReply, at: datetime | None = None) -> None:
    """Delete a quick reply the actor may edit (audited)."""
    require(actor, "service.reply")
    if not can_edit(actor, reply):
        raise PermissionDenied(_("You may not change this quick reply."))
    record(
        object_kind=QUICK_REPLY,
        object_id=reply.pk,
        code=QUICK_REPLY_DELETED,
        actor=actor,
        at=at or timezone.now(),
        title=reply.title,
    )
    reply.delete()


def editable_replies(*, actor: User) -> QuerySet[QuickReply]:
    """The replies the list screen and the export show the actor: every one for
    service.configure, else what they may insert."""
    if has_permission(actor, "service.configure"):
        return QuickReply.objects.select_related("shop", "team", "owner")
    return visible_replies(actor=actor)


# --- spreadsheets ----------------------------------------------------------------------------

# The columns of the spreadsheet, as the export writes them (the import also reads the
# Chinese names, in any order). "used" is exported for reading and ignored on import.
COLUMNS: tuple[str, ...] = (
    "title",
    "shortcut",
    "category",
    "language",
    "scope",
    "shop",
    "team",
    "owner",
    "text",
    "used",
)
_HEADERS: dict[str, tuple[str, ...]] = {
    "title": ("title", "标题", "名称"),
    "shortcut": ("shortcut", "快捷键", "快捷码", "缩写"),
    "category": ("category", "分类", "类别"),
    "language": ("language", "语言"),
    "scope": ("scope", "范围", "适用范围"),
    "shop": ("shop", "店铺", "店铺编码"),
    "team": ("team", "组", "小组", "团队"),
    "owner": ("owner", "所有者", "客服", "用户名"),
    "text": ("text", "body", "内容", "短语", "快捷短语"),
    "used": ("used", "使用次数"),
}
_SCOPE_NAMES: dict[str, str] = {
    "shop": QuickReplyScope.SHOP,
    "全店": QuickReplyScope.SHOP,
    "店铺": QuickReplyScope.SHOP,
    "team": QuickReplyScope.TEAM,
    "团队": QuickReplyScope.TEAM,
    "小组": QuickReplyScope.TEAM,
    "personal": QuickReplyScope.PERSONAL,
    "个人": QuickReplyScope.PERSONAL,
}
MAX_IMPORT_ROWS = 2000
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def export_xlsx(queryset: QuerySet[QuickReply]) -> bytes:
    """The replies as an XLSX workbook: a header row of COLUMNS, then one row per reply
    (shop by code, team by name, owner by user name) — the file `import_file` reads back."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "quick replies"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for reply in queryset.select_related("shop", "team", "owner").order_by("scope", "category", "title", "pk"):
        sheet.append(
            [
                reply.title,
                reply.shortcut,
                reply.category,
                reply.language,
                reply.scope,
                reply.shop.code if reply.shop else "",
                reply.team.name if reply.team else "",
                reply.owner.username if reply.owner else "",
                reply.body,
                reply.usage_count,
            ]
        )
    for column, width in zip("ABCDEFGHIJ", (24, 12, 14, 9, 10, 12, 14, 14, 60, 8), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2, min_col=9, max_col=9):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _header_columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        normal = title.strip().lower()
        for column, names in _HEADERS.items():
            if normal in names and column not in found:
                found[column] = index
    return found


@transaction.atomic
def import_file(*, data: bytes, filename: str, actor: User, at: datetime | None = None) -> ImportResult:
    """Import quick replies from an XLSX or CSV file (UTF-8 or GBK) with the export's
    columns (title and text required; scope defaults to personal). A row whose place
    (scope with its shop, team or owner), language and shortcut — or title, without a
    shortcut — matches an existing reply changes it; others are new. All or nothing: any
    bad row and nothing is written, ValidationFailed naming every problem as
    `rows[<line>].<column>` (the header is line 1). Importing the same file again
    changes nothing."""
    require(actor, "service.reply")
    at = at or timezone.now()
    # core.tables: bounded, the line of each row; a file without a header is refused there.
    limits = Limits(max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS, max_columns=50, max_cell_chars=4 * MAX_BODY)
    table = read_upload(filename=filename, content=data, limits=limits)
    columns = _header_columns(table[0][1])
    missing = [name for name in ("title", "text") if name not in columns]
    if missing:
        raise ValidationFailed({"header": _("line 1 has no column for: %(names)s") % {"names": ", ".join(missing)}})
    if len(table) - 1 > MAX_IMPORT_ROWS:
        raise ValidationFailed({"file": _("more than %(n)s rows") % {"n": MAX_IMPORT_ROWS}})
    shops = {shop.code: shop.pk for shop in Shop.objects.all()}
    teams = {team.name: team.pk for team in Team.objects.all()}
    errors: dict[str, str] = {}
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[Any, ...], int] = {}
    owners: dict[str, int | None] = {}
    for line, cells in table[1:]:

        def cell(name: str, cells: list[str] = cells) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        prefix = f"rows[{line}]."
        row_errors: dict[str, str] = {}
        scope_text = cell("scope").lower() or QuickReplyScope.PERSONAL
        scope = _SCOPE_NAMES.get(scope_text, scope_text)
        shop_id = team_id = owner_id = None
        if cell("shop"):
            shop_id = shops.get(cell("shop"))
            if shop_id is None:
                row_errors[prefix + "shop"] = _("No shop with the code %(code)s.") % {"code": cell("shop")}
        if cell("team"):
            team_id = teams.get(cell("team"))
            if team_id is None:
                row_errors[prefix + "team"] = _("No team named %(name)s.") % {"name": cell("team")}
        if cell("owner") and scope == QuickReplyScope.PERSONAL:
            name = cell("owner")
            if name not in owners:
                owners[name] = User.objects.filter(username=name).values_list("pk", flat=True).first()
            owner_id = owners[name]
            if owner_id is None:
                row_errors[prefix + "owner"] = _("No user named %(name)s.") % {"name": name}
        draft = ReplyDraft(
            title=cell("title"),
            body=cell("text").replace("\r\n", "\n"),
            scope=scope,
            shortcut=cell("shortcut"),
            category=cell("category"),
            language=cell("language") or "zh-hans",
            shop_id=shop_id if scope == QuickReplyScope.SHOP else None,
            team_id=team_id,
            owner_id=owner_id,
        )
        values, problems = _checked(draft, actor=actor, prefix=prefix)
        # The spreadsheet calls the reply's words "text".
        problems = {key.replace(prefix + "body", prefix + "text"): why for key, why in problems.items()}
        for key, why in problems.items():
            row_errors.setdefault(key, why)
        if not row_errors:
            place = (
                values["scope"],
                values["shop_id"],
                values["team_id"],
                values["owner_id"],
                values["language"],
                values["shortcut"] or "",
                "" if values["shortcut"] else values["title"],
            )
            if place in seen:
                column = "shortcut" if values["shortcut"] else "title"
                row_errors[prefix + column] = _("The same quick reply as line %(line)s.") % {"line": seen[place]}
            else:
                seen[place] = line
                rows.append((line, values))
        errors.update(row_errors)
    if errors:
        raise ValidationFailed(errors, _("Nothing was imported: correct these rows and upload the file again."))
    if not rows:
        raise ValidationFailed({"file": _("no rows under the header")})
    created = updated = unchanged = 0
    for _line, values in rows:
        existing = _same_key(values).select_for_update().first()
        if existing is None:
            QuickReply.objects.create(**values, created_at=at, updated_at=at)
            created += 1
            continue
        changed = [name for name in ("title", "body", "category") if getattr(existing, name) != values[name]]
        if not changed:
            unchanged += 1
            continue
        for name in changed:
            setattr(existing, name, values[name])
        existing.updated_at = at
        existing.save(update_fields=[*changed, "updated_at"])
        updated += 1
    record(
        object_kind=QUICK_REPLY,
        object_id="import",
        code=QUICK_REPLIES_IMPORTED,
        actor=actor,
        at=at,
        filename=filename[:100],
        created=created,
        updated=updated,
    )
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


# --- the starter set -------------------------------------------------------------------------

STARTER_FILE = Path(__file__).resolve().parent / "data" / "quick_replies.csv"


def seed_quick_replies(*, at: datetime | None = None) -> int:
    """Add the starter set (service/data/quick_replies.csv: the seeds' greeting, order
    and address confirmation, payment and shipping notes, the 技巧 phrases and polite
    closings, in zh-Hans and en) as shop-wide replies of every shop, those not there yet
    (by language and shortcut). How many were added."""
    at = at or timezone.now()
    with STARTER_FILE.open(encoding="utf-8", newline="") as handle:
        starters = list(csv.DictReader(handle))
    added = 0
    with transaction.atomic():
        for row in starters:
            values = {
                "scope": QuickReplyScope.SHOP,
                "shop_id": None,
                "team_id": None,
                "owner_id": None,
                "language": row["language"],
                "shortcut": normalize_shortcut(row["shortcut"]),
                "title": row["title"],
            }
            check_body(row["text"])
            if _same_key(values).exists():
                continue
            QuickReply.objects.create(
                **values, category=row["category"], body=row["text"].replace("\\n", "\n"), created_at=at, updated_at=at
            )
            added += 1
    return added
