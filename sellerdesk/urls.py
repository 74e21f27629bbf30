from django.contrib import admin
from django.urls import include, path

from sellerdesk.aftersales.api import router as aftersales_router
from sellerdesk.aftersales.api_evidence import router as aftersales_evidence_router
from sellerdesk.aftersales.api_refunds import router as aftersales_refunds_router
from sellerdesk.allocation.api import router as stockouts_router
from sellerdesk.catalog.api import router as catalog_router
from sellerdesk.core.api import api
from sellerdesk.customers.api import router as customers_router
from sellerdesk.fulfilment.api import router as fulfilment_router
from sellerdesk.inventory.api import router as inventory_router
from sellerdesk.inventory.api_skus import router as skus_router
from sellerdesk.logistics.api import router as logistics_router
from sellerdesk.notifications.api import router as notifications_router
from sellerdesk.notifications.api_webhooks import router as webhooks_router
from sellerdesk.orders.api import router as orders_router
from sellerdesk.orders.api_changes import router as order_changes_router
from sellerdesk.orders.api_merging import router as merging_router
from sellerdesk.orders.api_review import router as review_router
from sellerdesk.payments.api import router as payments_router
from sellerdesk.portal.api import router as portal_router
from sellerdesk.purchasing.api import router as purchasing_router
from sellerdesk.purchasing.api_dropship import router as dropship_router
from sellerdesk.ratings.api import router as ratings_router

api.add_router("/v1", skus_router)
api.add_router("/v1", catalog_router)
api.add_router("/v1", merging_router)  # before orders: /orders/merge must not match /orders/{number}
api.add_router("/v1", "sellerdesk.orders.api_bulk.router")  # POST /orders/bulk: one move on many orders
api.add_router("/v1", "sellerdesk.fulfilment.api_print.router")  # POST /orders/documents: labels/slips in one PDF
api.add_router("/v1", "sellerdesk.orders.api_saved_views.router")  # before orders: /orders/views
api.add_router("/v1", orders_router)
api.add_router("/v1", order_changes_router)
api.add_router("/v1", review_router)
api.add_router("/v1", payments_router)
api.add_router("/v1", logistics_router)
api.add_router("/v1", customers_router)
api.add_router("/v1", inventory_router)
api.add_router("/v1", stockouts_router)
api.add_router("/v1", purchasing_router)
api.add_router("/v1", dropship_router)
api.add_router("/v1", ratings_router)
api.add_router("/v1", fulfilment_router)
api.add_router("/v1", portal_router)
api.add_router("/v1", aftersales_router)
api.add_router("/v1", aftersales_refunds_router)
api.add_router("/v1", aftersales_evidence_router)
api.add_router("/v1", webhooks_router)
api.add_router("/v1", notifications_router)
api.add_router("/v1", "sellerdesk.notifications.api_templates.router")
api.add_router("/v1", "sellerdesk.portal.api_messages.router")
api.add_router("/v1", "sellerdesk.reminders.api.router")
# The service desk: conversations, the fixed-shape classify and check-draft endpoints,
# quick replies, calendars/SLA/routing, care (complaints, follow-ups, surveys, handovers,
# archive), the marketplace push and the buyer's web chat.
api.add_router("/v1", "sellerdesk.service.api_nlp.router")  # before /service/{id} paths
api.add_router("/v1", "sellerdesk.service.api_replies.router")
api.add_router("/v1", "sellerdesk.service.api_admin.router")
api.add_router("/v1", "sellerdesk.service.api_care.router")
api.add_router("/v1", "sellerdesk.service.api_inbound.router")
api.add_router("/v1", "sellerdesk.service.api_portal.router")
api.add_router("/v1", "sellerdesk.service.api.router")
# Customers (CRM: the customer's page, merges, segments, buyer groups, Excel), the one
# search box and the dashboards.
api.add_router("/v1", "sellerdesk.crm.api_search.router")
api.add_router("/v1", "sellerdesk.crm.api_segments.router")
api.add_router("/v1", "sellerdesk.crm.api_merge.router")
api.add_router("/v1", "sellerdesk.crm.api.router")
api.add_router("/v1", "sellerdesk.analytics.api.router")
api.add_router("/v1", "sellerdesk.marketplaces.api.router")
api.add_router("/v1", "sellerdesk.marketplaces.api_push.router")

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("sellerdesk.core.urls")),
    path("orders/", include("sellerdesk.orders.urls")),
    path("stock/", include("sellerdesk.inventory.urls")),
    path("stockouts/", include("sellerdesk.allocation.urls")),
    path("purchasing/", include("sellerdesk.purchasing.urls")),
    path("supplier/", include("sellerdesk.purchasing.portal_urls")),
    path("logistics/", include("sellerdesk.logistics.urls")),
    path("reminders/", include("sellerdesk.reminders.urls")),
    path("ratings/", include("sellerdesk.ratings.urls")),
    path("warehouse/", include("sellerdesk.fulfilment.urls")),
    path("aftersales/", include("sellerdesk.aftersales.urls")),
    path("portal/", include("sellerdesk.portal.urls")),
    path("notifications/", include("sellerdesk.notifications.urls")),
    path("service/", include("sellerdesk.service.urls")),
    path("customers/", include("sellerdesk.crm.urls")),
    path("search/", include("sellerdesk.crm.urls_search")),
    path("dashboard/", include("sellerdesk.analytics.urls")),
    path("marketplaces/", include("sellerdesk.marketplaces.urls")),
    path("staff/", include("sellerdesk.shops.staff_urls")),
]
