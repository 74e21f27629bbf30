"""The carriers a new installation starts with, and where they do not deliver.

Each serves the whole mainland (one rule per province) except the 超区 areas listed,
typical of what the express companies publish for remote parts of 西藏, 新疆 and 青海;
the seller edits them in the admin or through the API. Used by the data migration
(with its historical models) and by tests.
"""

from __future__ import annotations

from typing import Any

MAINLAND_PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省",
    "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
)  # fmt: skip

# (code, name, supports_cod, extra provinces served, excluded areas as (province, city, district))
DEFAULT_CARRIERS: tuple[tuple[str, str, bool, tuple[str, ...], tuple[tuple[str, str, str], ...]], ...] = (
    (
        "SF",
        "顺丰速运",
        True,
        ("香港特别行政区", "澳门特别行政区"),
        (("西藏自治区", "阿里地区", "改则县"), ("西藏自治区", "林芝市", "墨脱县")),
    ),
    ("ZTO", "中通快递", False, (), (("西藏自治区", "阿里地区", ""), ("西藏自治区", "那曲市", "双湖县"))),
    ("YTO", "圆通速递", False, (), (("西藏自治区", "阿里地区", ""), ("西藏自治区", "那曲市", ""))),
    (
        "YUNDA",
        "韵达快递",
        False,
        (),
        (
            ("西藏自治区", "阿里地区", ""),
            ("西藏自治区", "那曲市", ""),
            ("新疆维吾尔自治区", "喀什地区", "塔什库尔干塔吉克自治县"),
        ),
    ),
    (
        "STO",
        "申通快递",
        False,
        (),
        (
            ("西藏自治区", "阿里地区", ""),
            ("新疆维吾尔自治区", "喀什地区", "塔什库尔干塔吉克自治县"),
            ("新疆维吾尔自治区", "和田地区", "民丰县"),
            ("青海省", "玉树藏族自治州", "治多县"),
        ),
    ),
    ("EMS", "邮政EMS", True, ("香港特别行政区", "澳门特别行政区"), ()),
    ("JD", "京东物流", True, (), (("西藏自治区", "阿里地区", ""), ("西藏自治区", "林芝市", "墨脱县"))),
)


def load_default_carriers(carrier_model: Any, coverage_model: Any) -> None:
    """Create the default carriers and their coverage, skipping carriers that exist."""
    for code, name, supports_cod, extra, excluded in DEFAULT_CARRIERS:
        carrier, created = carrier_model.objects.get_or_create(
            code=code, defaults={"name": name, "supports_cod": supports_cod, "is_active": True}
        )
        if not created:
            continue
        rules = [coverage_model(carrier=carrier, province=province) for province in (*MAINLAND_PROVINCES, *extra)]
        rules += [
            coverage_model(carrier=carrier, province=province, city=city, district=district, is_excluded=True)
            for province, city, district in excluded
        ]
        coverage_model.objects.bulk_create(rules)


# Cost table (首重 1 kg + 续重 per kg), yuan: the whole country, then dearer remote provinces.
REMOTE_PROVINCES = ("西藏自治区", "新疆维吾尔自治区", "青海省", "内蒙古自治区", "甘肃省", "宁夏回族自治区", "海南省")
DEFAULT_RATES: dict[str, tuple[str, str, str, str, int]] = {
    # code: (first price, per additional kg, remote first price, remote per kg, usual transit days)
    "SF": ("12.00", "2.00", "22.00", "12.00", 2),
    "JD": ("10.00", "2.00", "20.00", "10.00", 2),
    "EMS": ("9.00", "3.00", "15.00", "8.00", 4),
    "ZTO": ("5.00", "1.50", "15.00", "10.00", 3),
    "YTO": ("5.00", "1.50", "16.00", "10.00", 3),
    "YUNDA": ("4.50", "1.50", "16.00", "10.00", 3),
    "STO": ("4.50", "1.50", "15.00", "10.00", 4),
}


def load_default_rates(carrier_model: Any, rate_model: Any) -> None:
    """Give the default carriers their cost table and transit days, unless they have rates."""
    for carrier in carrier_model.objects.filter(code__in=list(DEFAULT_RATES)):
        if rate_model.objects.filter(carrier=carrier).exists():
            continue
        first, extra, remote_first, remote_extra, days = DEFAULT_RATES[carrier.code]
        rows = [rate_model(carrier=carrier, province="", first_price=first, additional_price_per_kg=extra)]
        rows += [
            rate_model(
                carrier=carrier, province=province, first_price=remote_first, additional_price_per_kg=remote_extra
            )
            for province in REMOTE_PROVINCES
        ]
        rate_model.objects.bulk_create(rows)
        carrier.transit_days = days
        carrier.save(update_fields=["transit_days"])
