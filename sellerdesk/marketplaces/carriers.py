"""How each marketplace names our carriers, in its bulk-ship file and its shipment API.

Our orders name a carrier by our `Carrier.code` ("zto"), or, when shipped elsewhere, by
what the shop's system wrote ("中通快递"). A platform wants its own word: Taobao/Tmall a
company code ("ZTO"), JD and Pinduoduo the company's name as their lists spell it
("中通快递", "京东配送"). The answer is, in this order of preference:

1. the `PlatformCarrier` row of that platform and carrier (staff edit it in the admin);
2. the default table below;
3. our carrier's own name (a carrier the platform's list may still know by it);
4. what the order says, as it says it (a carrier we do not know at all).
"""

from __future__ import annotations

from collections.abc import Callable

from sellerdesk.logistics.models import Carrier
from sellerdesk.logistics.shipped_elsewhere import pick_carrier
from sellerdesk.marketplaces.models import PlatformCarrier
from sellerdesk.shops.models import Platform

_TAOBAO = {
    "zto": "ZTO",
    "yto": "YTO",
    "yunda": "YUNDA",
    "sf": "SF",
    "sto": "STO",
    "jd": "JD",
    "ems": "EMS",
    "post": "POSTB",
}

# The platforms' default names of the carriers the demo and most sellers use, by our code
# (matched case-insensitively: a shop may have made its carriers "ZTO" rather than "zto").
DEFAULT_CODES: dict[str, dict[str, str]] = {
    Platform.TAOBAO: _TAOBAO,
    Platform.TMALL: _TAOBAO,
    Platform.JD: {
        "zto": "中通快递",
        "yto": "圆通快递",
        "yunda": "韵达快递",
        "sf": "顺丰快递",
        "sto": "申通快递",
        "jd": "京东快递",
        "ems": "EMS",
        "post": "邮政快递包裹",
    },
    Platform.PINDUODUO: {
        "zto": "中通快递",
        "yto": "圆通快递",
        "yunda": "韵达快递",
        "sf": "顺丰快递",
        "sto": "申通快递",
        "jd": "京东配送",
        "ems": "邮政EMS",
        "post": "邮政快递包裹",
    },
}


def platform_namer(*, platform: str) -> Callable[[str], str]:
    """A function from what an order's `carrier` says to the platform's name of that
    carrier. Reads the carriers and the platform's overrides once (two queries), so a file
    of thousands of orders asks nothing more."""
    carriers = list(Carrier.objects.order_by("pk"))
    overrides = dict(PlatformCarrier.objects.filter(platform=platform).values_list("carrier__code", "code"))
    defaults = DEFAULT_CODES.get(platform, {})
    found: dict[str, str] = {}

    def name(order_carrier: str) -> str:
        if order_carrier not in found:
            carrier = pick_carrier(carriers, order_carrier)
            if carrier is None:
                found[order_carrier] = order_carrier.strip()
            else:
                found[order_carrier] = (
                    overrides.get(carrier.code) or defaults.get(carrier.code.casefold()) or carrier.name
                )
        return found[order_carrier]

    return name


def platform_carrier_code(*, platform: str, carrier_code: str) -> str:
    """How `platform` names the carrier our orders call `carrier_code` (our Carrier.code,
    or a carrier's name as an order shipped elsewhere gives it): the PlatformCarrier row,
    else the default table, else our carrier's name, else `carrier_code` itself."""
    return platform_namer(platform=platform)(carrier_code)
