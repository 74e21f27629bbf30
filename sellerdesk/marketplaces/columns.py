"""What each marketplace's export file holds: its columns (in the order the writers put
them), the columns a file must have to be read as the layout, and the platform's status
and refund words with the MarketStatus and MarketRefund each maps to (docs/marketplaces.md,
"File layouts"). Read by marketplaces.layouts, written by marketplaces.writers."""

from __future__ import annotations

from sellerdesk.marketplaces.records import MarketRefund, MarketStatus

TAOBAO_ORDER_COLUMNS = (
    "订单编号",
    "买家会员名",
    "买家支付宝账号",
    "买家应付货款",
    "买家应付邮费",
    "总金额",
    "买家实际支付金额",
    "订单状态",
    "买家留言",
    "收货人姓名",
    "收货地址",
    "运送方式",
    "联系电话",
    "联系手机",
    "订单创建时间",
    "订单付款时间",
    "宝贝标题",
    "宝贝种类",
    "物流单号",
    "物流公司",
    "订单备注",
    "宝贝总数量",
    "店铺名称",
    "订单关闭原因",
    "退款金额",
    "退款状态",
)
TAOBAO_ITEM_COLUMNS = (
    "订单编号",
    "标题",
    "价格",
    "购买数量",
    "外部系统编号",
    "商品属性",
    "套餐信息",
    "备注",
    "订单状态",
    "商家编码",
)
JD_COLUMNS = (
    "订单号",
    "商品ID",
    "商品名称",
    "订购数量",
    "支付方式",
    "下单时间",
    "京东价",
    "订单金额",
    "结算金额",
    "应付金额",
    "订单状态",
    "下单帐号",
    "客户姓名",
    "客户地址",
    "联系电话",
    "订单备注",
    "商家SKU",
    "运费金额",
    "付款确认时间",
    "商家备注",
    "退款状态",
)
PINDUODUO_COLUMNS = (
    "商品",
    "订单号",
    "订单状态",
    "商品总价(元)",
    "店铺优惠折扣(元)",
    "平台优惠折扣(元)",
    "邮费(元)",
    "用户实付金额(元)",
    "商品数量(件)",
    "收货人",
    "手机",
    "省",
    "市",
    "区",
    "街道",
    "拼单成功时间",
    "订单确认时间",
    "发货时间",
    "商家编码-SKU维度",
    "快递单号",
    "快递公司",
    "商家备注",
    "售后状态",
    "买家留言",
)

# The columns a file must have to be read as the layout (the rest may be missing).
TAOBAO_ORDERS_REQUIRED = (
    "订单编号",
    "买家会员名",
    "买家应付货款",
    "买家实际支付金额",
    "订单状态",
    "收货人姓名",
    "收货地址",
)
TAOBAO_ITEMS_REQUIRED = ("订单编号", "标题", "价格", "购买数量")
JD_REQUIRED = ("订单号", "商品名称", "订购数量", "京东价", "应付金额", "订单状态", "客户姓名", "客户地址", "商家SKU")
PINDUODUO_REQUIRED = (
    "订单号",
    "商品",
    "订单状态",
    "商品总价(元)",
    "商品数量(件)",
    "收货人",
    "省",
    "市",
    "商家编码-SKU维度",
)

# --- the platforms' status words ----------------------------------------------------------
# Keys are normalised (_words): full-width commas and brackets as ASCII, no spaces.

TAOBAO_STATUSES: dict[str, tuple[str, str]] = {
    "等待买家付款": (MarketStatus.UNPAID, MarketRefund.NONE),
    "买家已付款,等待卖家发货": (MarketStatus.PAID, MarketRefund.NONE),
    "等待卖家发货": (MarketStatus.PAID, MarketRefund.NONE),
    "买家已付款": (MarketStatus.PAID, MarketRefund.NONE),
    "卖家部分发货": (MarketStatus.PAID, MarketRefund.NONE),
    "卖家已发货,等待买家确认": (MarketStatus.SHIPPED, MarketRefund.NONE),
    "等待买家确认收货": (MarketStatus.SHIPPED, MarketRefund.NONE),
    "交易成功": (MarketStatus.COMPLETED, MarketRefund.NONE),
    "交易关闭": (MarketStatus.CANCELLED, MarketRefund.NONE),
    "付款以后用户退款成功,交易自动关闭": (MarketStatus.CANCELLED, MarketRefund.REFUNDED),
}
JD_STATUSES: dict[str, tuple[str, str]] = {
    "等待付款": (MarketStatus.UNPAID, MarketRefund.NONE),
    "等待出库": (MarketStatus.PAID, MarketRefund.NONE),
    "等待发货": (MarketStatus.PAID, MarketRefund.NONE),
    "暂停": (MarketStatus.PAID, MarketRefund.NONE),
    "等待确认收货": (MarketStatus.SHIPPED, MarketRefund.NONE),
    "已出库": (MarketStatus.SHIPPED, MarketRefund.NONE),
    "完成": (MarketStatus.COMPLETED, MarketRefund.NONE),
    "已完成": (MarketStatus.COMPLETED, MarketRefund.NONE),
    "已取消": (MarketStatus.CANCELLED, MarketRefund.NONE),
    "取消": (MarketStatus.CANCELLED, MarketRefund.NONE),
    "锁定": (MarketStatus.CANCELLED, MarketRefund.NONE),
    "(删除)锁定": (MarketStatus.CANCELLED, MarketRefund.NONE),
}
PINDUODUO_STATUSES: dict[str, tuple[str, str]] = {
    "待支付": (MarketStatus.UNPAID, MarketRefund.NONE),
    "未支付": (MarketStatus.UNPAID, MarketRefund.NONE),
    "待发货": (MarketStatus.PAID, MarketRefund.NONE),
    "已发货,待签收": (MarketStatus.SHIPPED, MarketRefund.NONE),
    "已发货待签收": (MarketStatus.SHIPPED, MarketRefund.NONE),
    "已签收": (MarketStatus.COMPLETED, MarketRefund.NONE),
    "交易成功": (MarketStatus.COMPLETED, MarketRefund.NONE),
    "已取消": (MarketStatus.CANCELLED, MarketRefund.NONE),
    "交易关闭": (MarketStatus.CANCELLED, MarketRefund.NONE),
    "未发货,退款成功": (MarketStatus.CANCELLED, MarketRefund.REFUNDED),
}
# Refund columns: Taobao's and JD's 退款状态, Pinduoduo's 售后状态.
REFUND_WORDS: dict[str, str] = {
    "": MarketRefund.NONE,
    "无": MarketRefund.NONE,
    "没有申请退款": MarketRefund.NONE,
    "无售后或售后取消": MarketRefund.NONE,
    "无售后": MarketRefund.NONE,
    "售后取消": MarketRefund.NONE,
    "退款关闭": MarketRefund.NONE,
    "退款中": MarketRefund.REQUESTED,
    "买家已经申请退款,等待卖家同意": MarketRefund.REQUESTED,
    "卖家已经同意退款,等待买家退货": MarketRefund.REQUESTED,
    "买家已经退货,等待卖家确认收货": MarketRefund.REQUESTED,
    "售后处理中": MarketRefund.REQUESTED,
    "买家申请退款,待商家处理": MarketRefund.REQUESTED,
    "退款成功": MarketRefund.REFUNDED,
    "退款完成": MarketRefund.REFUNDED,
    "售后完成": MarketRefund.REFUNDED,
    "已退款": MarketRefund.REFUNDED,
}

# The column a refusal of applying names (apply's field names: sku_code, quantity,
# address, lines), as each layout heads it, so a refused row points at a column the
# seller can find in the file.
FIELD_COLUMNS: dict[str, dict[str, str]] = {
    "taobao": {"sku_code": "商家编码", "lines": "商家编码", "quantity": "购买数量", "address": "收货地址"},
    "jd": {"sku_code": "商家SKU", "lines": "商家SKU", "quantity": "订购数量", "address": "客户地址"},
    "pinduoduo": {
        "sku_code": "商家编码-SKU维度",
        "lines": "商家编码-SKU维度",
        "quantity": "商品数量(件)",
        "address": "省",
    },
}
