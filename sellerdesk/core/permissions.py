"""Roles and what each may do. Actions and queries call `require`; views only hide buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import PermissionDenied

if TYPE_CHECKING:
    from sellerdesk.core.models import User


class Role(models.TextChoices):
    OWNER = "owner", gettext_lazy("Shop owner")
    SUPERVISOR = "supervisor", gettext_lazy("Supervisor")
    AGENT = "agent", gettext_lazy("Customer-service agent")
    WAREHOUSE = "warehouse", gettext_lazy("Warehouse staff")
    PURCHASER = "purchaser", gettext_lazy("Purchaser")
    BUYER = "buyer", gettext_lazy("Buyer")
    SUPPLIER = "supplier", gettext_lazy("Supplier")


STAFF = frozenset({Role.OWNER, Role.SUPERVISOR, Role.AGENT, Role.WAREHOUSE, Role.PURCHASER})
_SERVICE = frozenset({Role.OWNER, Role.SUPERVISOR, Role.AGENT})
_SHIPPING = _SERVICE | {Role.WAREHOUSE}

PERMISSIONS: dict[str, frozenset[Role]] = {
    "orders.view": STAFF,
    "orders.create": _SERVICE,
    "orders.pay": _SERVICE,
    "orders.reprice": _SERVICE,
    "orders.approve": _SERVICE,
    "orders.cancel": _SERVICE,
    "orders.ship": _SHIPPING,
    "orders.deliver": _SHIPPING,
    "orders.confirm_receipt": _SERVICE,
    "orders.note": STAFF,
    "orders.flag": _SERVICE | {Role.WAREHOUSE},
    "orders.hold": _SERVICE,
    "orders.release": _SERVICE,
    # Giving orders to an agent to look after (the order list's bulk "assign").
    "orders.assign": _SERVICE,
    # A price that does not match the price list is accepted only by a supervisor.
    "orders.release_price": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "orders.review": _SERVICE,
    "review.configure": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "orders.merge": _SERVICE,
    "orders.split": _SERVICE,
    "catalog.view": STAFF,
    "catalog.edit": frozenset({Role.OWNER, Role.SUPERVISOR, Role.PURCHASER}),
    "stock.adjust": frozenset({Role.OWNER, Role.SUPERVISOR, Role.WAREHOUSE, Role.PURCHASER}),
    "shops.manage": frozenset({Role.OWNER}),
    # The Staff page: inviting, deactivating, roles and shops of staff users, unlocking logins.
    "staff.manage": frozenset({Role.OWNER}),
    "logistics.view": STAFF,
    "logistics.edit": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "customers.view": STAFF,
    "customers.edit": frozenset({Role.OWNER, Role.SUPERVISOR}),
    # The CRM: agents keep the customers they talk to (notes, tags, addresses, buyer
    # groups); merging duplicates, importing, exporting and editing segments is the
    # owner's or a supervisor's; the dashboards are theirs too.
    "customers.note": _SERVICE,
    "customers.merge": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "customers.import": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "customers.export": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "segments.edit": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "dashboard.view": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "prices.edit": frozenset({Role.OWNER, Role.SUPERVISOR}),
    # Warehouses, stock, allocation and stockouts.
    "stock.view": STAFF,
    "warehouses.edit": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "stock.count": frozenset({Role.OWNER, Role.SUPERVISOR, Role.WAREHOUSE}),
    "stock.transfer": frozenset({Role.OWNER, Role.SUPERVISOR, Role.WAREHOUSE, Role.PURCHASER}),
    "orders.allocate": _SHIPPING,
    # The warehouse floor (issue 17 A4: no longer "orders.ship"): waves and picking, the
    # packing check and labels, scan-out. The same roles as shipping had them.
    "warehouse.pick": _SHIPPING,
    "warehouse.pack": _SHIPPING,
    "warehouse.dispatch": _SHIPPING,
    "stockouts.handle": _SERVICE,
    # Purchasing and dropship; a supplier sees only its own purchase orders.
    "purchasing.view": frozenset({Role.OWNER, Role.SUPERVISOR, Role.PURCHASER, Role.WAREHOUSE}),
    "purchasing.edit": frozenset({Role.OWNER, Role.SUPERVISOR, Role.PURCHASER}),
    "purchasing.receive": frozenset({Role.OWNER, Role.SUPERVISOR, Role.PURCHASER, Role.WAREHOUSE}),
    "suppliers.edit": frozenset({Role.OWNER, Role.SUPERVISOR, Role.PURCHASER}),
    "supplier.portal": frozenset({Role.SUPPLIER}),
    # Parcels' problems (物流异常) and ratings (评价).
    "logistics.exceptions": _SERVICE,
    "ratings.rate": _SERVICE,
    # After-sales (售后): agents handle cases; amounts above the shop's agent limit, rulings
    # on disputes and reviews (复盘) need a supervisor; the warehouse receives returns.
    # The service desk (客服): agents answer conversations; supervisors reassign, see every
    # agent's figures and the unacknowledged handovers; owners and supervisors edit the
    # quick replies of the shop, the forbidden phrases, calendars, SLAs and routing.
    "service.view": _SERVICE,
    "service.reply": _SERVICE,
    "service.supervise": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "service.configure": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "aftersales.view": STAFF,
    "aftersales.handle": _SERVICE,
    "aftersales.approve_large": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "aftersales.refund": _SERVICE,
    "aftersales.receive": frozenset({Role.OWNER, Role.SUPERVISOR, Role.WAREHOUSE}),
    "aftersales.arbitrate": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "aftersales.configure": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "notifications.manage": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "reminders.remind": _SERVICE,
    "reminders.report": frozenset({Role.OWNER, Role.SUPERVISOR}),
    "reminders.configure": frozenset({Role.OWNER, Role.SUPERVISOR}),
    # Marketplace order files: agents import them and export the bulk-ship file, warehouse
    # staff export it too; connectors and carrier codes are the owner's or a supervisor's.
    "marketplaces.import": _SERVICE,
    "marketplaces.export": _SHIPPING,
    "marketplaces.configure": frozenset({Role.OWNER, Role.SUPERVISOR}),
}


def has_permission(actor: User | None, permission: str) -> bool:
    """`None` is the system itself (sweeps, gateways), which may do anything."""
    if actor is None:
        return True
    if not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return actor.role in PERMISSIONS[permission]


def require(actor: User | None, permission: str) -> None:
    if not has_permission(actor, permission):
        raise PermissionDenied(
            _("Your role may not do this (%(permission)s).") % {"permission": permission},
            details={"permission": permission},
        )
