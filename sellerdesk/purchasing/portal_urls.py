"""/supplier/: the supplier portal (a supplier's own purchase orders) and, under
/supplier/dropship/, the staff's dropship screen."""

from __future__ import annotations

from django.urls import URLPattern, path

from sellerdesk.purchasing import portal_views

app_name = "supplier_portal"
urlpatterns: list[URLPattern] = [
    path("", portal_views.portal_home, name="home"),
    path("po/<str:number>/", portal_views.portal_detail, name="detail"),
    path("po/<str:number>/ship/", portal_views.portal_ship, name="ship"),
    path("dropship/", portal_views.dropship_list, name="dropship"),
    path("dropship/create/", portal_views.dropship_create, name="dropship_create"),
    path("dropship/<str:number>/pay/", portal_views.dropship_pay, name="dropship_pay"),
]
