"""The bulk-ship file (批量发货): a shop's orders shipped on one local day, as its
marketplace's upload file, opened back (CSV decoded in the platform's encoding, XLSX with
openpyxl) and checked cell by cell."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.logistics.models import Carrier
from sellerdesk.marketplaces.carriers import platform_carrier_code
from sellerdesk.marketplaces.models import PlatformCarrier
from sellerdesk.marketplaces.shipfiles import bulk_ship_file
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance, default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 10)
PLACED = datetime(2026, 3, 8, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def carriers(db: Any) -> None:
    for code, name in (("zto", "中通快递"), ("sf", "顺丰速运"), ("post", "中国邮政"), ("kyexp", "跨越速运")):
        Carrier.objects.create(code=code, name=name)
    make_sku("TEE-RED-M", price="59.00", stock=100)


def marketplace_shop(code: str, platform: str) -> Shop:
    return Shop.objects.create(code=code, name=code, platform=platform)


def shipped(shop: Shop, external_id: str, *, carrier: str, tracking: str, at: datetime) -> Order:
    order = advance(place(("TEE-RED-M", 1), shop=shop.code, external_id=external_id, placed_at=PLACED), "approved")
    return actions.ship_order(order=order, actor=None, carrier=carrier, tracking_number=tracking, at=at)


def read_csv(content: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(encoding), newline="")))


def read_xlsx(content: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_a_tmall_day_in_gbk_and_xlsx_has_the_days_orders_with_taobao_carrier_codes(carriers: None) -> None:
    tmall = marketplace_shop("tmall", "tmall")
    # Local day 2026-03-10 in Shanghai: 00:00 to 24:00 there, whatever UTC says.
    shipped(
        tmall,
        "4012345678901234567",
        carrier="zto",
        tracking="73100000001",
        at=datetime(2026, 3, 10, 0, 5, tzinfo=SHANGHAI),
    )
    shipped(
        tmall,
        "4012345678901234568",
        carrier="顺丰",
        tracking="SF1000000002",
        at=datetime(2026, 3, 10, 23, 50, tzinfo=SHANGHAI),
    )
    shipped(
        tmall,
        "4012345678901234569",
        carrier="post",
        tracking="9800000000003",
        at=datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI),
    )
    # The day before (23:59 local is 15:59 UTC on the 9th), the day after, no marketplace id,
    # and another shop's order of the same day: not in the file.
    shipped(
        tmall,
        "4012345678901234570",
        carrier="zto",
        tracking="73100000004",
        at=datetime(2026, 3, 9, 23, 59, tzinfo=SHANGHAI),
    )
    shipped(
        tmall,
        "4012345678901234571",
        carrier="zto",
        tracking="73100000005",
        at=datetime(2026, 3, 11, 0, 0, tzinfo=SHANGHAI),
    )
    shipped(tmall, "", carrier="zto", tracking="73100000006", at=datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI))
    shipped(
        marketplace_shop("pdd", "pinduoduo"),
        "250310-1",
        carrier="zto",
        tracking="73100000007",
        at=datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI),
    )
    # Delivered since: it still shipped that day.
    advance(Order.objects.get(external_id="4012345678901234569"), "delivered")
    before = Order.objects.order_by("pk").values_list("pk", "status", "tracking_number")
    expected = [
        ["订单编号", "物流公司", "运单号"],
        ["4012345678901234567", "ZTO", "73100000001"],
        ["4012345678901234569", "POSTB", "9800000000003"],
        ["4012345678901234568", "SF", "SF1000000002"],
    ]

    name, content = bulk_ship_file(shop=tmall, day=DAY, fmt="csv", actor=make_user("wh", "warehouse"))

    assert name == "bulk-ship-tmall-tmall-2026-03-10.csv"
    assert read_csv(content, "gbk") == expected
    assert content.endswith(b"\r\n")
    name, content = bulk_ship_file(shop=tmall, day=DAY, fmt="xlsx", actor=None)
    assert name == "bulk-ship-tmall-tmall-2026-03-10.xlsx"
    assert read_xlsx(content) == expected
    assert list(Order.objects.order_by("pk").values_list("pk", "status", "tracking_number")) == list(before)


def test_pinduoduo_csv_is_utf8_with_a_bom_and_names_carriers_its_way(carriers: None) -> None:
    pdd = marketplace_shop("pdd", "pinduoduo")
    shipped(pdd, "250310-001", carrier="中通", tracking="73100000001", at=datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    shipped(pdd, "250310-002", carrier="kyexp", tracking="KY0002", at=datetime(2026, 3, 10, 9, 5, tzinfo=SHANGHAI))
    shipped(pdd, "250310-003", carrier="某某物流", tracking="MM0003", at=datetime(2026, 3, 10, 9, 10, tzinfo=SHANGHAI))

    _name, content = bulk_ship_file(shop=pdd, day=DAY, fmt="csv", actor=None)

    assert content.startswith(b"\xef\xbb\xbf")
    # A carrier without a Pinduoduo default goes by our name of it; one we do not know at all
    # by what the order says.
    assert read_csv(content, "utf-8-sig") == [
        ["订单号", "快递公司", "快递单号"],
        ["250310-001", "中通快递", "73100000001"],
        ["250310-002", "跨越速运", "KY0002"],
        ["250310-003", "某某物流", "MM0003"],
    ]


def test_a_platform_carrier_row_overrides_the_default_table(carriers: None) -> None:
    jd = marketplace_shop("jd", "jd")
    PlatformCarrier.objects.create(platform="jd", carrier=Carrier.objects.get(code="zto"), code="中通速递")
    shipped(jd, "JD-1", carrier="zto", tracking="73100000001", at=datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    shipped(jd, "JD-2", carrier="sf", tracking="SF0002", at=datetime(2026, 3, 10, 9, 1, tzinfo=SHANGHAI))

    _name, content = bulk_ship_file(shop=jd, day=DAY, fmt="csv", actor=None)

    assert read_csv(content, "gbk") == [
        ["订单号", "物流公司", "运单号"],
        ["JD-1", "中通速递", "73100000001"],
        ["JD-2", "顺丰快递", "SF0002"],
    ]
    assert platform_carrier_code(platform="jd", carrier_code="zto") == "中通速递"
    assert platform_carrier_code(platform="tmall", carrier_code="zto") == "ZTO"
    assert platform_carrier_code(platform="taobao", carrier_code="ZTO") == "ZTO"
    assert platform_carrier_code(platform="pinduoduo", carrier_code="顺丰速运") == "顺丰快递"
    assert platform_carrier_code(platform="pinduoduo", carrier_code="nobody") == "nobody"


def test_an_order_of_several_parcels_is_one_row_with_the_number_it_shipped_with(carriers: None) -> None:
    from sellerdesk.logistics.models import Shipment

    tmall = marketplace_shop("tmall", "tmall")
    order = shipped(
        tmall, "T-1", carrier="zto", tracking="73100000001", at=datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
    )
    Shipment.objects.create(
        order=order,
        carrier=Carrier.objects.get(code="zto"),
        tracking_number="73100000002",
        status="handed_over",
        created_at=datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI),
    )

    _name, content = bulk_ship_file(shop=tmall, day=DAY, fmt="xlsx", actor=None)

    assert read_xlsx(content) == [["订单编号", "物流公司", "运单号"], ["T-1", "ZTO", "73100000001"]]


def test_an_empty_day_is_the_header_alone_and_a_formula_like_id_stays_text(carriers: None) -> None:
    tmall = marketplace_shop("tmall", "tmall")
    _name, content = bulk_ship_file(shop=tmall, day=DAY, fmt="xlsx", actor=None)
    assert read_xlsx(content) == [["订单编号", "物流公司", "运单号"]]

    shipped(tmall, "=1+2", carrier="zto", tracking="73100000001", at=datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    _name, content = bulk_ship_file(shop=tmall, day=DAY, fmt="xlsx", actor=None)
    workbook = load_workbook(io.BytesIO(content))
    cell = workbook.worksheets[0]["A2"]
    assert (cell.value, cell.data_type) == ("=1+2", "s")


def test_refusals_write_nothing(carriers: None, default_shop: Shop) -> None:  # noqa: F811
    tmall = marketplace_shop("tmall", "tmall")
    with pytest.raises(PermissionDenied):
        bulk_ship_file(shop=tmall, day=DAY, fmt="csv", actor=make_user("buyer1", "buyer"))
    with pytest.raises(ValidationFailed) as bad_format:
        bulk_ship_file(shop=tmall, day=DAY, fmt="pdf", actor=None)
    assert set(bad_format.value.details["fields"]) == {"format"}
    with pytest.raises(ValidationFailed) as web_shop:
        bulk_ship_file(shop=default_shop, day=DAY, fmt="csv", actor=None)
    assert set(web_shop.value.details["fields"]) == {"shop"}
