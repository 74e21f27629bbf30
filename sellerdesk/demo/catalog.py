"""The demo shop's catalogue: women's clothing (colour × size) and cosmetics (shade or size).

About 300 SKUs. Codes read like a small seller's own (`TS01-WHT-M`); barcodes are
EAN-13 with a GS1 China prefix and a valid check digit, made up for the demo.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

BRAND = "暖阳"
_BARCODE_PREFIX = "6971234"  # 69x is GS1 China; the company part is invented

COLOR_CODES = {
    "白色": "WHT",
    "黑色": "BLK",
    "灰色": "GRY",
    "藏青": "NVY",
    "燕麦色": "OAT",
    "雾霾蓝": "BLU",
    "粉色": "PNK",
    "绿色": "GRN",
    "酒红": "WIN",
    "杏色": "APR",
    "卡其": "KHK",
    "驼色": "CML",
    "浅蓝": "LBL",
    "深蓝": "DBL",
    "蓝色碎花": "BFL",
    "黄色碎花": "YFL",
    "红白条纹": "RST",
    "蓝白条纹": "BST",
}
SIZES = ("S", "M", "L", "XL")
WAIST_SIZES = ("26", "27", "28", "29", "30")


@dataclass(frozen=True)
class Variant:
    code: str
    attributes: dict[str, str]
    price: Decimal


@dataclass(frozen=True)
class ProductPlan:
    code: str
    name: str
    category: str
    variants: list[Variant] = field(default_factory=list)
    # How much buyers want it relative to the others (bestsellers > 1).
    popularity: float = 1.0
    # Bought several at a time (masks, T-shirts in two colours).
    multi_buy: bool = False


def _clothing(
    code: str,
    name: str,
    category: str,
    price: str,
    colors: tuple[str, ...],
    sizes: tuple[str, ...] = SIZES,
    popularity: float = 1.0,
) -> ProductPlan:
    variants = [
        Variant(f"{code}-{COLOR_CODES[color]}-{size}", {"颜色": color, "尺码": size}, Decimal(price))
        for color in colors
        for size in sizes
    ]
    return ProductPlan(code, f"{BRAND} {name}", category, variants, popularity)


def _shades(
    code: str, name: str, category: str, price: str, shades: tuple[str, ...], popularity: float = 1.0
) -> ProductPlan:
    variants = [
        Variant(f"{code}-{index:02d}", {"色号": shade}, Decimal(price)) for index, shade in enumerate(shades, start=1)
    ]
    return ProductPlan(code, f"{BRAND} {name}", category, variants, popularity)


def _specs(
    code: str,
    name: str,
    category: str,
    specs: tuple[tuple[str, str], ...],
    popularity: float = 1.0,
    multi_buy: bool = False,
) -> ProductPlan:
    variants = [
        Variant(f"{code}-{index:02d}", {"规格": spec}, Decimal(price))
        for index, (spec, price) in enumerate(specs, start=1)
    ]
    return ProductPlan(code, f"{BRAND} {name}", category, variants, popularity, multi_buy)


PRODUCTS: tuple[ProductPlan, ...] = (
    _clothing("TS01", "纯棉圆领短袖T恤", "女装/T恤", "69.00", ("白色", "黑色", "燕麦色", "雾霾蓝"), popularity=3.0),
    _clothing("TS02", "宽松印花短袖T恤", "女装/T恤", "79.00", ("白色", "黑色", "粉色")),
    _clothing("TS03", "长袖打底T恤", "女装/T恤", "59.00", ("白色", "黑色", "灰色", "藏青"), popularity=2.5),
    _clothing("TS04", "条纹海魂衫", "女装/T恤", "89.00", ("红白条纹", "蓝白条纹", "黑色")),
    _clothing("HD01", "加绒连帽卫衣", "女装/卫衣", "169.00", ("灰色", "黑色", "燕麦色", "粉色"), popularity=2.5),
    _clothing("HD02", "圆领落肩卫衣", "女装/卫衣", "149.00", ("灰色", "藏青", "绿色")),
    _clothing("HD03", "拉链开衫卫衣", "女装/卫衣", "179.00", ("灰色", "黑色", "杏色")),
    _clothing("SW01", "高领羊毛混纺毛衣", "女装/毛衣", "229.00", ("燕麦色", "黑色", "酒红", "驼色"), popularity=2.0),
    _clothing("KN01", "V领针织开衫", "女装/毛衣", "199.00", ("燕麦色", "黑色", "雾霾蓝")),
    _clothing("DR01", "法式碎花连衣裙", "女装/连衣裙", "239.00", ("蓝色碎花", "黄色碎花")),
    _clothing("DR02", "针织修身连衣裙", "女装/连衣裙", "199.00", ("黑色", "燕麦色", "酒红"), popularity=1.5),
    _clothing("DR03", "雪纺长款连衣裙", "女装/连衣裙", "259.00", ("白色", "绿色")),
    _clothing("JN01", "高腰直筒牛仔裤", "女装/牛仔裤", "159.00", ("浅蓝", "深蓝", "黑色"), WAIST_SIZES, 2.0),
    _clothing("JN02", "阔腿牛仔裤", "女装/牛仔裤", "179.00", ("浅蓝", "深蓝"), WAIST_SIZES),
    _clothing("SH01", "垂感真丝感衬衫", "女装/衬衫", "189.00", ("白色", "杏色", "黑色")),
    _clothing("SK01", "百褶半身裙", "女装/半身裙", "129.00", ("黑色", "卡其", "藏青")),
    _clothing("PT01", "休闲运动裤", "女装/裤子", "99.00", ("黑色", "灰色")),
    _clothing("PT02", "直筒西装裤", "女装/裤子", "169.00", ("黑色", "卡其", "灰色")),
    _clothing("DJ01", "轻薄短款羽绒服", "女装/羽绒服", "459.00", ("黑色", "白色", "卡其"), popularity=1.5),
    _clothing("CT01", "双面羊毛大衣", "女装/大衣", "899.00", ("驼色", "黑色", "灰色")),
    _shades(
        "LP01",
        "丝绒雾面口红",
        "美妆/口红",
        "129.00",
        (
            "#01 正红",
            "#02 豆沙",
            "#03 枫叶红",
            "#04 烂番茄",
            "#05 奶茶",
            "#06 玫瑰",
            "#07 珊瑚",
            "#08 砖红",
            "#09 蜜桃",
            "#10 浆果",
        ),
        popularity=2.5,
    ),
    _shades(
        "LP02",
        "水光唇釉",
        "美妆/口红",
        "99.00",
        ("#11 西柚", "#12 樱桃", "#13 焦糖", "#14 蜜糖", "#15 番茄", "#16 裸粉"),
    ),
    _shades("FD01", "轻透持妆粉底液", "美妆/底妆", "189.00", ("00 瓷白", "01 象牙白", "02 自然色", "03 小麦色")),
    _shades("CS01", "柔雾气垫", "美妆/底妆", "169.00", ("01 亮白", "02 自然", "03 暖肤")),
    _shades("EY01", "十二色眼影盘", "美妆/眼妆", "159.00", ("01 日落", "02 玫瑰", "03 大地")),
    _specs("CR01", "保湿修护面霜", "护肤/面霜", (("50g", "259.00"), ("15g 旅行装", "79.00")), popularity=1.5),
    _specs("CR02", "玻尿酸水乳套装", "护肤/套装", (("标准装", "299.00"), ("旅行装", "119.00"))),
    _specs("SE01", "烟酰胺亮肤精华", "护肤/精华", (("30ml", "199.00"), ("50ml", "299.00")), popularity=2.0),
    _specs("SE02", "维C焕亮精华", "护肤/精华", (("15ml", "109.00"), ("30ml", "189.00"))),
    _specs(
        "MK01",
        "补水保湿面膜",
        "护肤/面膜",
        (("5片装", "59.00"), ("10片装", "109.00"), ("30片装", "299.00")),
        popularity=3.0,
        multi_buy=True,
    ),
    _specs("MK02", "清洁泥膜", "护肤/面膜", (("100g", "89.00"),), multi_buy=True),
    _specs("CL01", "氨基酸洗面奶", "护肤/洁面", (("100g", "69.00"), ("150g", "89.00")), multi_buy=True),
    _specs("CL02", "温和卸妆水", "护肤/洁面", (("200ml", "79.00"), ("400ml", "129.00"))),
    _specs("SS01", "清爽防晒霜 SPF50+", "护肤/防晒", (("30ml", "89.00"), ("50ml", "129.00"))),
    _specs("TN01", "舒缓爽肤水", "护肤/化妆水", (("200ml", "119.00"),)),
    _specs("HC01", "香氛护手霜", "护肤/身体", (("单支 30g", "39.00"), ("礼盒 3支装", "99.00")), multi_buy=True),
    _specs("PF01", "白茶淡香水", "美妆/香水", (("30ml", "219.00"), ("50ml", "329.00"))),
    _specs("BR01", "化妆刷套装", "美妆/工具", (("8支装", "89.00"), ("12支装", "129.00"))),
)


def all_variants() -> Iterator[tuple[ProductPlan, Variant]]:
    for product in PRODUCTS:
        for variant in product.variants:
            yield product, variant


def ean13(body12: str) -> str:
    """The EAN-13 for 12 digits: weights 1,3,1,3… and the check digit that makes the sum a multiple of 10."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def barcode(index: int) -> str:
    return ean13(f"{_BARCODE_PREFIX}{index:05d}")
