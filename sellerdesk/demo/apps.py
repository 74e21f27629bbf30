from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoShopConfig(AppConfig):
    """The demo shop: every app's demo data and the `sellerdesk demo` command. It sits
    above every other app, so it may call any of them."""

    name = "sellerdesk.demo"
    label = "demo"
    verbose_name = _("Demo shop")
