from __future__ import annotations

from django.urls import URLPattern, path, re_path

from sellerdesk.inventory import views

app_name = "inventory"
urlpatterns: list[URLPattern] = [
    path("", views.overview, name="overview"),
    path("reorder-point/", views.reorder_point, name="reorder_point"),
    path("movements/", views.ledger, name="ledger"),
    path("warehouses/", views.warehouse_list, name="warehouses"),
    path("warehouses/<slug:code>/", views.warehouse_detail, name="warehouse"),
    path("warehouses/<slug:code>/bins/", views.add_bins, name="add_bins"),
    path("warehouses/<slug:code>/putaway/", views.putaway, name="putaway"),
    path("counts/", views.count_list, name="counts"),
    path("counts/<str:number>/", views.count_detail, name="count"),
    path("counts/<str:number>/enter/", views.count_enter, name="count_enter"),
    path("counts/<str:number>/post/", views.count_post, name="count_post"),
    path("counts/<str:number>/cancel/", views.count_cancel, name="count_cancel"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/<str:number>/", views.transfer_detail, name="transfer"),
    re_path(r"^transfers/(?P<number>[^/]+)/(?P<move>ship|receive|cancel)/$", views.transfer_move, name="transfer_move"),
]
