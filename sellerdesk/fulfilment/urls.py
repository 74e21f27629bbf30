from __future__ import annotations

from django.urls import URLPattern, path, re_path

from sellerdesk.fulfilment import views, views_print

app_name = "fulfilment"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("waves/preview/", views.preview_wave, name="preview"),
    path("waves/create/", views.create_wave, name="create_wave"),
    path("pick-order/", views.pick_order, name="pick_order"),
    path("waves/<str:number>/", views.wave_detail, name="wave"),
    re_path(
        r"^waves/(?P<number>[^/]+)/steps/(?P<step>pick|sort|pack)/(?P<move>start|finish)/$",
        views.wave_step,
        name="wave_step",
    ),
    path("waves/<str:number>/confirm-pick/", views.confirm_pick, name="confirm_pick"),
    re_path(
        r"^waves/(?P<number>[^/]+)/(?P<kind>pick-list|sort-list|packing-slips|labels)\.pdf$",
        views.wave_document,
        name="wave_document",
    ),
    path("pack/", views.packing_desk, name="packing_desk"),
    path("pack/open/", views.open_order, name="open_order"),
    path("pack/<str:number>/", views.pack_order, name="pack"),
    path("pack/<str:number>/scan/", views.pack_scan, name="pack_scan"),
    path("pack/<str:number>/weight/", views.pack_weight, name="pack_weight"),
    path("pack/<str:number>/restart/", views.pack_restart, name="pack_restart"),
    path("pack/<str:number>/label/", views.pack_label, name="pack_label"),
    re_path(
        r"^orders/(?P<number>[^/]+)/(?P<kind>label|packing-slip)\.pdf$", views.order_document, name="order_document"
    ),
    path("orders/print/", views_print.print_selection, name="print_selection"),
    path("scan-out/", views.scan_out_desk, name="scan_out"),
    path("scan-out/scan/", views.scan_out_scan, name="scan_out_scan"),
]
