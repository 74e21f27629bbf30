"""/purchasing/: suppliers, purchase orders, receiving, suggestions, import."""

from __future__ import annotations

from django.urls import URLPattern, path

from sellerdesk.purchasing import views, views_returns

app_name = "purchasing"
urlpatterns: list[URLPattern] = [
    path("", views.order_list, name="list"),
    path("orders/new/", views.order_form, name="new"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/edit/", views.order_form, name="edit"),
    path("orders/<str:number>/receive/", views.receive, name="receive"),
    path(
        "orders/<str:number>/<str:action>/",
        views.order_action,
        name="action",
    ),
    path("orders/<str:number>/labels.pdf", views.order_pdf, {"document": "labels"}, name="labels_pdf"),
    path("orders/<str:number>/document.pdf", views.order_pdf, {"document": "order"}, name="document_pdf"),
    path(
        "orders/<str:number>/delivery-notice.pdf",
        views.order_pdf,
        {"document": "delivery-notice"},
        name="delivery_notice_pdf",
    ),
    path("suppliers/", views.supplier_list, name="suppliers"),
    path("suppliers/new/", views.supplier_form, name="supplier_new"),
    path("suppliers/<slug:code>/", views.supplier_form, name="supplier"),
    path("suppliers/<slug:code>/skus/", views.supplier_sku, name="supplier_sku"),
    path("suggestions/", views.suggestion_list, name="suggestions"),
    path("import/", views.import_list, name="import"),
    path("returns/", views_returns.return_list, name="returns"),
    path("returns/<str:number>/", views_returns.return_detail, name="return"),
    path("returns/<str:number>/do/<slug:action>/", views_returns.return_action, name="return_action"),
    path("returns/<str:number>/photos/<int:line_id>/<int:index>/", views_returns.return_photo, name="return_photo"),
    path("returns/<str:number>/list.pdf", views_returns.return_pdf, name="return_pdf"),
]
