"""/portal/: the buyer portal (signing in, orders, after-sales requests and cases)."""

from __future__ import annotations

from django.urls import URLPattern, path

from sellerdesk.portal import views, views_cases, views_messages

app_name = "portal"
urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.send_code, name="send_code"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("orders/", views.orders, name="orders"),
    path("messages/", views_messages.message_list, name="messages"),
    path("messages/<int:pk>/", views_messages.message_detail, name="message"),
    path("preferences/", views_messages.preferences, name="preferences"),
    path("orders/<str:number>/", views.order_detail, name="order"),
    path("orders/<str:number>/confirm-receipt/", views.confirm_receipt, name="confirm_receipt"),
    path("orders/<str:number>/rating/", views.rate, name="rate"),
    path("orders/<str:number>/after-sales/", views_cases.new_case, name="new_case"),
    path("cases/<str:number>/", views_cases.case_detail, name="case"),
    path("cases/<str:number>/messages/", views_cases.post_message, name="case_message"),
    path("cases/<str:number>/return-parcel/", views_cases.return_parcel, name="case_return_parcel"),
    path("cases/<str:number>/evidence/", views_cases.add_evidence, name="case_evidence"),
    path("cases/<str:number>/cancel/", views_cases.cancel, name="case_cancel"),
    path("cases/<str:number>/dispute/", views_cases.dispute, name="case_dispute"),
    path("cases/<str:number>/evidence/<int:evidence_id>/", views_cases.evidence_file, name="evidence_file"),
    path(
        "cases/<str:number>/evidence/<int:evidence_id>/thumbnail/",
        views_cases.evidence_thumbnail,
        name="evidence_thumbnail",
    ),
]
