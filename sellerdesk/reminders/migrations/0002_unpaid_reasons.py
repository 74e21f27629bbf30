"""Seed 002's reasons for not paying, kept as data (the owner may add, rename or retire
them): price, shipping cost, still comparing, payment trouble, forgot, changed mind …"""

from django.db import migrations

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


def add_reasons(apps, schema_editor):
    UnpaidReason = apps.get_model("reminders", "UnpaidReason")
    for position, (code, name_zh, name_en) in enumerate(REASONS, start=1):
        UnpaidReason.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position * 10}
        )


def remove_reasons(apps, schema_editor):
    UnpaidReason = apps.get_model("reminders", "UnpaidReason")
    UnpaidReason.objects.filter(code__in=[code for code, _zh, _en in REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_initial")]

    operations = [migrations.RunPython(add_reasons, remove_reasons)]
