"""Seed 002's reasons for not paying (付款篇: "未能付款的常见原因"), kept as data: the data
migration installs them, the owner may rename, add or retire them (UnpaidReason)."""

from __future__ import annotations

# (code, Chinese, English), in the order the agent's list shows them.
REASONS = [
    ("still_comparing", "拍下考虑一下,对比其他产品", "Still comparing with other products"),
    ("price_too_high", "价格太贵,再考虑一下", "Price too high"),
    ("shipping_cost", "运费太贵", "Shipping cost"),
    ("insufficient_balance", "卡里余额不足或支付受限", "Not enough money on the card, or payment limited"),
    ("payment_tool_trouble", "支付工具问题(U盾、证书等)", "Payment trouble (security key, certificate …)"),
    ("pay_later", "时间不够,稍后付款", "No time now, will pay later"),
    ("forgot", "忘记付款了", "Forgot to pay"),
    ("changed_mind", "不想要了", "Changed their mind"),
    ("bought_elsewhere", "已在别处购买", "Bought elsewhere"),
    ("wrong_details", "信息错误,重新拍下", "Wrong details, ordering again"),
    ("other", "其他", "Other"),
]


def install_reasons() -> int:
    """Install the seed's reasons that are missing (the tests run without migrations);
    returns how many were added. A reason the owner renamed keeps its new name."""
    from sellerdesk.reminders.models import UnpaidReason

    added = 0
    for position, (code, name_zh, name_en) in enumerate(REASONS, start=1):
        _reason, created = UnpaidReason.objects.get_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position * 10}
        )
        added += created
    return added
