"""Writes the sample export files of this directory (README.md says what each holds).

    .venv/bin/python sellerdesk/marketplaces/samples/make_samples.py

Made-up buyers and addresses, SKU codes of the demo catalogue (sellerdesk/demo/catalog.py).
The Taobao CSV pair has exactly two bad rows, put in on purpose: an SKU code the demo
does not have (TS09-RED-M, refused by the importer) and an amount that does not parse
(88,00, refused by the reader).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
UNKNOWN_SKU = "TS09-RED-M"
BAD_AMOUNT = "88,00"


def _at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, 0, tzinfo=SHANGHAI)


def taobao_orders() -> list:  # type: ignore[type-arg]
    from sellerdesk.marketplaces.records import MarketLine, MarketOrder

    people = [
        ("tb_linxiaoyu", "林晓雨", "13800138001", ("浙江省", "杭州市", "西湖区", "文三路90号东部软件园2号楼")),
        ("chensiyuan0618", "陈思远", "13800138002", ("上海市", "上海市", "浦东新区", "张杨路500号")),
        ("可欣的小屋", "王可欣", "13800138003", ("广东省", "深圳市", "南山区", "高新南一道8号")),
        ("zhaoyiming_bj", "赵一鸣", "13800138004", ("北京市", "北京市", "朝阳区", "建国路88号")),
        ("悦悦sunny", "孙悦", "13800138005", ("江苏省", "南京市", "鼓楼区", "中山北路30号")),
        ("zhouting2020", "周婷", "13800138006", ("四川省", "成都市", "武侯区", "天府大道北段1号")),
        ("wuhao_wh", "吴昊", "13800138007", ("湖北省", "武汉市", "洪山区", "珞喻路1037号")),
        ("佳怡zheng", "郑佳怡", "13800138008", ("福建省", "厦门市", "思明区", "鹭江道8号")),
        ("fengchen_qd", "冯晨", "13800138009", ("山东省", "青岛市", "市南区", "香港中路10号")),
        ("hejing_xa", "何静", "13800138010", ("陕西省", "西安市", "雁塔区", "小寨东路126号")),
        ("xunuo_cs", "许诺", "13800138011", ("湖南省", "长沙市", "岳麓区", "麓山南路932号")),
        ("mali_nb", "马丽", "13800138012", ("浙江省", "宁波市", "鄞州区", "天童南路588号")),
    ]
    goods = {
        "TS01-WHT-M": ("暖阳 纯棉圆领短袖T恤 白色 M", "69.00"),
        "TS01-BLK-L": ("暖阳 纯棉圆领短袖T恤 黑色 L", "69.00"),
        "HD01-GRY-M": ("暖阳 加绒连帽卫衣 灰色 M", "169.00"),
        "MK01-01": ("暖阳 补水保湿面膜 5片装", "59.00"),
        "LP01-02": ("暖阳 丝绒雾面口红 #02 豆沙", "129.00"),
        "SE01-01": ("暖阳 烟酰胺亮肤精华 30ml", "199.00"),
        "JN01-LBL-27": ("暖阳 高腰直筒牛仔裤 浅蓝 27", "159.00"),
        "DR02-BLK-M": ("暖阳 针织修身连衣裙 黑色 M", "199.00"),
        "CL01-01": ("暖阳 氨基酸洗面奶 100g", "69.00"),
        "HC01-02": ("暖阳 香氛护手霜 礼盒 3支装", "99.00"),
        UNKNOWN_SKU: ("暖阳 纯棉圆领短袖T恤 红色 M", "69.00"),
    }
    # (status, refund, goods, discount, buyer message, seller memo, carrier, tracking)
    plans = [
        ("paid", "", [("TS01-WHT-M", 1), ("MK01-01", 2)], "10.00", "请尽快发货，谢谢", "", "", ""),
        ("paid", "", [("HD01-GRY-M", 1)], "0.00", "", "老客户，送小样", "", ""),
        ("paid", "", [("LP01-02", 1)], "5.00", "要正品哦", "", "", ""),
        ("unpaid", "", [("SE01-01", 1)], "0.00", "", "", "", ""),
        ("paid", "requested", [("JN01-LBL-27", 1)], "0.00", "尺码拍错了", "", "", ""),
        ("cancelled", "", [("DR02-BLK-M", 1)], "0.00", "", "", "", ""),
        ("paid", "", [(UNKNOWN_SKU, 1)], "0.00", "", "", "", ""),
        ("paid", "", [("CL01-01", 2)], "0.00", "", "", "", ""),  # its paid amount is made BAD_AMOUNT below
        ("shipped", "", [("HC01-02", 1)], "0.00", "", "", "中通快递", "78312345678901"),
        ("paid", "", [("TS01-BLK-L", 2)], "8.00", "", "", "", ""),
        ("paid", "", [("MK01-01", 1), ("CL01-01", 1)], "0.00", "晚上送货", "", "", ""),
        ("paid", "", [("SE01-01", 1)], "20.00", "", "", "", ""),
    ]
    orders = []
    for index, ((nick, name, phone, place), plan) in enumerate(zip(people, plans, strict=True), start=1):
        status, refund, items, discount, message, memo, carrier, tracking = plan
        lines = tuple(
            MarketLine(sku_code=code, title=goods[code][0], quantity=quantity, unit_price=Decimal(goods[code][1]))
            for code, quantity in items
        )
        total = sum((line.unit_price * line.quantity for line in lines), Decimal(0)) - Decimal(discount)
        shipping = Decimal("0.00") if total >= Decimal("99") else Decimal("8.00")
        is_paid = status != "unpaid"
        orders.append(
            MarketOrder(
                external_id=f"387501294561{index:07d}",
                status=status,
                buyer_nick=nick,
                receiver_name=name,
                phone=phone,
                province=place[0],
                city=place[1],
                district=place[2],
                detail=place[3],
                lines=lines,
                goods_total=total,
                shipping_fee=shipping,
                paid_amount=total + shipping if is_paid else Decimal("0.00"),
                created_at=_at(20, 8 + index, 4 * index),
                paid_at=_at(20, 8 + index, 4 * index + 2) if is_paid else None,
                refund=refund,
                buyer_message=message,
                seller_memo=memo,
                carrier_name=carrier,
                tracking_number=tracking,
            )
        )
    return orders


def jd_orders() -> list:  # type: ignore[type-arg]
    from sellerdesk.marketplaces.records import MarketLine, MarketOrder

    def line(code: str, title: str, price: str, quantity: int = 1) -> MarketLine:
        return MarketLine(sku_code=code, title=title, quantity=quantity, unit_price=Decimal(price))

    plans = [
        (
            "paid",
            "jd_liuyang",
            "刘洋",
            "13900139001",
            ("河南省", "郑州市", "金水区", "花园路21号"),
            (
                line("SW01-OAT-M", "暖阳 高领羊毛混纺毛衣 燕麦色 M", "229.00"),
                line("SK01-BLK-S", "暖阳 百褶半身裙 黑色 S", "129.00"),
            ),
        ),
        (
            "paid",
            "jd_tangmin",
            "唐敏",
            "13900139002",
            ("重庆市", "重庆市", "渝中区", "解放碑民族路166号"),
            (line("CR01-01", "暖阳 保湿修护面霜 50g", "259.00"),),
        ),
        (
            "unpaid",
            "jd_huangqi",
            "黄琪",
            "13900139003",
            ("安徽省", "合肥市", "蜀山区", "长江西路99号"),
            (line("PF01-01", "暖阳 白茶淡香水 30ml", "219.00"),),
        ),
        (
            "shipped",
            "jd_luoxin",
            "罗欣",
            "13900139004",
            ("江西省", "南昌市", "东湖区", "八一大道357号"),
            (line("BR01-02", "暖阳 化妆刷套装 12支装", "129.00"), line("MK02-01", "暖阳 清洁泥膜 100g", "89.00", 2)),
        ),
        (
            "cancelled",
            "jd_xiekai",
            "谢凯",
            "13900139005",
            ("广西壮族自治区", "南宁市", "青秀区", "民族大道136号"),
            (line("PT01-BLK-L", "暖阳 休闲运动裤 黑色 L", "99.00"),),
        ),
    ]
    orders = []
    for index, (status, nick, name, phone, place, lines) in enumerate(plans, start=1):
        total = sum((item.unit_price * item.quantity for item in lines), Decimal(0))
        shipping = Decimal("0.00") if total >= 99 else Decimal("6.00")
        is_paid = status in ("paid", "shipped")
        orders.append(
            MarketOrder(
                external_id=f"2873{index:08d}",
                status=status,
                buyer_nick=nick,
                receiver_name=name,
                phone=phone,
                province=place[0],
                city=place[1],
                district=place[2],
                detail=place[3],
                lines=lines,
                goods_total=total,
                shipping_fee=shipping,
                paid_amount=total + shipping if is_paid else Decimal("0.00"),
                created_at=_at(21, 10 + index, 0),
                paid_at=_at(21, 10 + index, 3) if is_paid else None,
                buyer_message="工作日送货" if index == 1 else "",
                seller_memo="",
            )
        )
    return orders


def pinduoduo_orders() -> list:  # type: ignore[type-arg]
    from sellerdesk.marketplaces.records import MarketLine, MarketOrder

    plans = [
        (
            "paid",
            "",
            "高婷",
            "15800158001",
            ("河北省", "石家庄市", "长安区", "中山东路200号"),
            ("MK01-02", "暖阳 补水保湿面膜 10片装", "109.00", 1),
            "10.00",
        ),
        (
            "paid",
            "",
            "邓磊",
            "15800158002",
            ("辽宁省", "大连市", "中山区", "人民路50号"),
            ("TS03-BLK-M", "暖阳 长袖打底T恤 黑色 M", "59.00", 2),
            "8.00",
        ),
        (
            "paid",
            "requested",
            "曹雪",
            "15800158003",
            ("吉林省", "长春市", "朝阳区", "人民大街5988号"),
            ("LP02-03", "暖阳 水光唇釉 #13 焦糖", "99.00", 1),
            "0.00",
        ),
        (
            "shipped",
            "",
            "彭飞",
            "15800158004",
            ("云南省", "昆明市", "五华区", "东风西路11号"),
            ("SS01-01", "暖阳 清爽防晒霜 SPF50+ 30ml", "89.00", 1),
            "0.00",
        ),
        (
            "cancelled",
            "refunded",
            "蒋琳",
            "15800158005",
            ("贵州省", "贵阳市", "南明区", "中华南路45号"),
            ("HC01-01", "暖阳 香氛护手霜 单支 30g", "39.00", 3),
            "5.00",
        ),
    ]
    orders = []
    for index, (status, refund, name, phone, place, item, discount) in enumerate(plans, start=1):
        code, title, price, quantity = item
        line = MarketLine(sku_code=code, title=title, quantity=quantity, unit_price=Decimal(price))
        total = line.unit_price * quantity - Decimal(discount)
        orders.append(
            MarketOrder(
                external_id=f"261121-{index:015d}",
                status=status,
                buyer_nick="",
                receiver_name=name,
                phone=phone,
                province=place[0],
                city=place[1],
                district=place[2],
                detail=place[3],
                lines=(line,),
                goods_total=total,
                shipping_fee=Decimal("0.00"),
                paid_amount=total,
                created_at=_at(22, 8 + index, 30),
                paid_at=_at(22, 8 + index, 30),
                refund=refund,
                carrier_name="圆通速递" if status == "shipped" else "",
                tracking_number="YT7512345678901" if status == "shipped" else "",
            )
        )
    return orders


def write_all() -> None:
    from sellerdesk.marketplaces.writers import write_export

    taobao = taobao_orders()
    files = write_export(layout="taobao", orders=taobao, fmt="csv", encoding="gbk")
    bad = taobao[7]
    good_amount = f"{bad.paid_amount:.2f}"
    row_start = f"{bad.external_id},".encode("gbk")
    rows = files["orders"].split(b"\r\n")
    (index,) = [number for number, row in enumerate(rows) if row.startswith(row_start)]
    cells = rows[index].split(b",")
    column = cells.index(good_amount.encode(), 6)  # 买家实际支付金额, after 总金额
    cells[column] = f'"{BAD_AMOUNT}"'.encode()
    rows[index] = b",".join(cells)
    (HERE / "taobao-orders.csv").write_bytes(b"\r\n".join(rows))
    (HERE / "taobao-items.csv").write_bytes(files["items"])
    clean = [order for order in taobao if UNKNOWN_SKU not in {line.sku_code for line in order.lines}]
    clean = [order for order in clean if order.external_id != bad.external_id]
    files = write_export(layout="taobao", orders=clean, fmt="xlsx")
    (HERE / "taobao-orders.xlsx").write_bytes(files["orders"])
    (HERE / "taobao-items.xlsx").write_bytes(files["items"])
    (HERE / "jd-orders.xlsx").write_bytes(write_export(layout="jd", orders=jd_orders(), fmt="xlsx")["orders"])
    pinduoduo = write_export(layout="pinduoduo", orders=pinduoduo_orders(), fmt="csv", encoding="utf-8-sig")
    (HERE / "pinduoduo-orders.csv").write_bytes(pinduoduo["orders"])


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellerdesk.settings")
    import django

    django.setup()
    write_all()
