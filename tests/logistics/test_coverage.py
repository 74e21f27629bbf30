"""can_reach and carriers_reaching: the most specific rule decides."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.core.addresses import ParsedAddress, canonical_division
from sellerdesk.logistics.actions import CoverageRule, replace_coverage
from sellerdesk.logistics.defaults import DEFAULT_CARRIERS
from sellerdesk.logistics.models import Carrier, CarrierCoverage
from sellerdesk.logistics.queries import can_reach, carriers_reaching

ALL = ["EMS", "JD", "SF", "STO", "YTO", "YUNDA", "ZTO"]


@pytest.mark.parametrize(
    ("address", "reaching"),
    [
        (("浙江省", "杭州市", "西湖区"), ALL),
        (("浙江", "杭州", "西湖"), ALL),
        (("北京市", "市辖区", "朝阳区"), ALL),
        (("新疆维吾尔自治区", "乌鲁木齐市", "天山区"), ALL),
        (("西藏自治区", "拉萨市", "城关区"), ALL),
        (("西藏自治区", "阿里地区", "噶尔县"), ["EMS", "SF"]),
        (("西藏自治区", "阿里地区", "改则县"), ["EMS"]),
        (("西藏自治区", "那曲市", "双湖县"), ["EMS", "JD", "SF", "STO"]),
        (("西藏自治区", "那曲市", "色尼区"), ["EMS", "JD", "SF", "STO", "ZTO"]),
        (("西藏自治区", "林芝市", "墨脱县"), ["EMS", "STO", "YTO", "YUNDA", "ZTO"]),
        (("新疆维吾尔自治区", "喀什地区", "塔什库尔干塔吉克自治县"), ["EMS", "JD", "SF", "YTO", "ZTO"]),
        (("青海省", "玉树藏族自治州", "治多县"), ["EMS", "JD", "SF", "YTO", "YUNDA", "ZTO"]),
        (("香港特别行政区", "香港", "九龙城区"), ["EMS", "SF"]),
        (("台湾省", "台北市", ""), []),
        (("火星", "", ""), []),
        # an unknown district falls back to the city's and the province's rules
        (("西藏自治区", "阿里地区", "不存在县"), ["EMS", "SF"]),
    ],
)
def test_default_carriers_reach_the_mainland_except_their_remote_areas(
    default_carriers: None, address: tuple[str, str, str], reaching: list[str]
) -> None:
    found = carriers_reaching(ParsedAddress(*address, "1号"))

    assert [carrier.code for carrier in found] == reaching


def test_carriers_reaching_can_ask_for_cash_on_delivery(default_carriers: None) -> None:
    found = carriers_reaching(ParsedAddress("浙江省", "杭州市", "西湖区", ""), needs_cod=True)

    assert [carrier.code for carrier in found] == ["EMS", "JD", "SF"]


def test_every_default_area_is_a_real_division() -> None:
    for _code, _name, _cod, extra, excluded in DEFAULT_CARRIERS:
        for province in extra:
            assert canonical_division(province) is not None, province
        for province, city, district in excluded:
            assert canonical_division(province, city, district) == ParsedAddress(province, city, district, "")


@pytest.fixture
def carrier(db: Any) -> Carrier:
    return Carrier.objects.create(code="TEST", name="测试快递")


R = CoverageRule


@pytest.mark.parametrize(
    ("rules", "address", "reaches"),
    [
        ([], ("浙江省", "杭州市", "西湖区"), False),
        ([R("浙江省")], ("浙江省", "杭州市", "西湖区"), True),
        ([R("浙江省")], ("江苏省", "南京市", "鼓楼区"), False),
        ([R("浙江省"), R("浙江省", "杭州市", is_excluded=True)], ("浙江省", "杭州市", "西湖区"), False),
        ([R("浙江省"), R("浙江省", "杭州市", is_excluded=True)], ("浙江省", "宁波市", "鄞州区"), True),
        (
            [R("浙江省", is_excluded=True), R("浙江省", "杭州市"), R("浙江省", "杭州市", "淳安县", is_excluded=True)],
            ("浙江省", "杭州市", "西湖区"),
            True,
        ),
        (
            [R("浙江省", is_excluded=True), R("浙江省", "杭州市"), R("浙江省", "杭州市", "淳安县", is_excluded=True)],
            ("浙江省", "杭州市", "淳安县"),
            False,
        ),
        (
            [R("浙江省", is_excluded=True), R("浙江省", "杭州市"), R("浙江省", "杭州市", "淳安县", is_excluded=True)],
            ("浙江省", "宁波市", "鄞州区"),
            False,
        ),
        ([R("浙江省", "杭州市", "西湖区")], ("浙江省", "杭州市", "上城区"), False),
        ([R("浙江省", "杭州市", "西湖区")], ("浙江省", "杭州市", "西湖区"), True),
        ([R("湖北省", "仙桃市")], ("湖北省", "省直辖县级行政区划", "仙桃市"), True),
        ([R("北京市", "北京市", "朝阳区", is_excluded=True), R("北京市")], ("北京市", "", "朝阳区"), False),
        ([R("北京市", "北京市", "朝阳区", is_excluded=True), R("北京市")], ("北京市", "", "海淀区"), True),
    ],
)
def test_the_most_specific_rule_decides(
    carrier: Carrier, rules: list[CoverageRule], address: tuple[str, str, str], reaches: bool
) -> None:
    replace_coverage(actor=None, carrier=carrier, rules=rules)

    assert can_reach(carrier, *address) is reaches


def test_an_inactive_carrier_reaches_nowhere(carrier: Carrier) -> None:
    replace_coverage(actor=None, carrier=carrier, rules=[R("浙江省")])
    Carrier.objects.filter(pk=carrier.pk).update(is_active=False)
    carrier.refresh_from_db()

    assert can_reach(carrier, "浙江省", "杭州市", "西湖区") is False
    assert carriers_reaching(ParsedAddress("浙江省", "杭州市", "西湖区", "")) == []
    assert CarrierCoverage.objects.filter(carrier=carrier).count() == 1
