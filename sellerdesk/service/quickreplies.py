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

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sellerdesk.catalog.models import ATTRIBUTE_ORDER
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentDirection
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.orders.states import PaymentStatus
from sellerdesk.service.models import Conversation

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
        carrier, number = self.tracking()
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
            missing.append("{%s}: %s" % (name, why))
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
