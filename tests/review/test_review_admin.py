"""Per-shop review settings are edited in the admin, rules switched with checkboxes."""

from __future__ import annotations

from django.test import Client

from sellerdesk.core.models import User
from sellerdesk.shops.models import ReviewSettings, Shop


def test_the_owner_switches_a_rule_off_in_the_admin(owner: User, default_shop: Shop) -> None:
    settings = ReviewSettings.objects.create(shop=default_shop)
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client = Client()
    client.force_login(owner)
    url = f"/admin/shops/reviewsettings/{settings.pk}/change/"
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "shop": default_shop.pk,
            "hold_buffer_minutes": "45",
            "auto_approve": "on",
            "max_order_total": "8000.00",
            "max_total_quantity": "60",
            "cod_orders_per_day_new_buyer": "2",
            "enabled_rules": [
                "stock",
                "buyer_message",
                "large_order",
                "cod_risk",
                "address",
                "carrier",
                "credit",
                "price",
            ],
        },
    )

    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.hold_buffer_minutes, settings.disabled_rules, settings.cod_orders_per_day_new_buyer) == (
        45,
        ["merge_candidate"],
        2,
    )
