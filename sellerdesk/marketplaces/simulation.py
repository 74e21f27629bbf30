"""The simulated marketplace's traffic: made-up orders of the catalogue's SKUs, written for
the connector to pull (SIMULATED_DIR/<shop>/orders.jsonl) or pushed, signed, to a running
server as the platforms' push services do (`sellerdesk marketplace-simulate`)."""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sellerdesk.catalog.models import Sku
from sellerdesk.marketplaces.connectors import SIGNATURE_HEADER, market_order_to_json, signed
from sellerdesk.marketplaces.records import MarketLine, MarketOrder, MarketStatus

# Made-up buyers (no real person's name, phone or address).
BUYERS = (
    ("tb_xiaoli88", "李小丽", "13900139001", "浙江省", "杭州市", "西湖区", "文三路 90 号 3 幢 201"),
    ("momo_2024", "王默", "13700137002", "江苏省", "南京市", "鼓楼区", "中山北路 12 号"),
    ("阿华爱买", "陈华", "18600186003", "广东省", "深圳市", "南山区", "科技园南路 8 号 A 座"),
    ("sunny_day", "赵晴", "15800158004", "上海市", "上海市", "浦东新区", "世纪大道 100 号 1808"),
    ("小米粒", "孙粒", "13500135005", "四川省", "成都市", "武侯区", "天府大道北段 66 号"),
)


def sample_orders(
    *, skus: Sequence[Sku], count: int, at: datetime, seed: int = 16, prefix: str = "SIM"
) -> list[MarketOrder]:
    """`count` paid orders of one to three of `skus` each, placed a minute apart from `at`
    (deterministic for a seed)."""
    if not skus:
        raise ValueError("no SKU to order")
    rng = random.Random(seed)
    orders = []
    for index in range(count):
        nick, name, phone, province, city, district, detail = BUYERS[index % len(BUYERS)]
        chosen = rng.sample(list(skus), k=min(len(skus), rng.randint(1, 3)))
        lines = tuple(
            MarketLine(sku.code, sku.name, rng.randint(1, 2), sku.price, line_number=number)
            for number, sku in enumerate(chosen, start=1)
        )
        goods = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
        placed = at + timedelta(minutes=index)
        orders.append(
            MarketOrder(
                external_id=f"{prefix}{seed:03d}{index + 1:06d}",
                status=MarketStatus.PAID,
                buyer_nick=nick,
                receiver_name=name,
                phone=phone,
                province=province,
                city=city,
                district=district,
                detail=detail,
                lines=lines,
                goods_total=goods,
                shipping_fee=Decimal("0.00"),
                paid_amount=goods,
                created_at=placed,
                paid_at=placed,
                modified_at=placed,
                buyer_message="请尽快发货" if index % 3 == 0 else "",
            )
        )
    return orders


def later_snapshots(orders: Sequence[MarketOrder], *, every: int = 4) -> list[MarketOrder]:
    """Each `every`-th order as the marketplace has it ten minutes later: the buyer cancelled
    it (before it shipped)."""
    later = []
    for index, order in enumerate(orders):
        changed = order.modified_at or order.created_at
        if index % every == every - 1 and changed is not None:
            later.append(replace(order, status=MarketStatus.CANCELLED, modified_at=changed + timedelta(minutes=10)))
    return later


@dataclass(frozen=True)
class Message:
    message_id: str
    body: bytes


def push_messages(*, shop_code: str, snapshots: Sequence[MarketOrder]) -> list[Message]:
    """One pushed message per snapshot, its id derived from the order and its time (the same
    snapshot is always the same message)."""
    messages = []
    for snapshot in snapshots:
        stamp = (snapshot.modified_at or snapshot.created_at or datetime.min).strftime("%Y%m%d%H%M%S")
        message_id = f"TMC-{snapshot.external_id}-{stamp}"
        payload = {
            "shop": shop_code,
            "message_id": message_id,
            "topic": "order.modified",
            "order": market_order_to_json(snapshot),
        }
        messages.append(Message(message_id, json.dumps(payload, ensure_ascii=False).encode()))
    return messages


def write_pullable(*, directory: Path, shop_code: str, snapshots: Sequence[MarketOrder]) -> Path:
    """Append the snapshots to the simulated marketplace's orders of the shop (what a pull
    finds); returns the file."""
    path = directory / shop_code / "orders.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as lines:
        for snapshot in snapshots:
            lines.write(json.dumps(market_order_to_json(snapshot), ensure_ascii=False) + "\n")
    return path


@dataclass(frozen=True)
class Delivery:
    message_id: str
    status: int
    answer: dict[str, object]


def deliver(*, url: str, message: Message, secret: str, timeout: float = 10.0) -> Delivery:
    """POST one message, signed with `secret`, to the push endpoint at `url`; the HTTP status
    and the JSON answer (an HTTP error's too). OSError when the server cannot be reached."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url,
        data=message.body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signed(message.body, secret)},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the operator's own server)
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        answer = {"body": raw[:200].decode("utf-8", "replace")}
    return Delivery(message.message_id, status, answer if isinstance(answer, dict) else {"body": answer})
