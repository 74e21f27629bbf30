from django.urls import path

from sellerdesk.reminders import views

app_name = "reminders"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/done/", views.mark_done, name="done"),
    path("<int:pk>/reason/", views.record_reason, name="reason"),
    path("report/", views.report, name="report"),
    path("report.xlsx", views.report_export, name="report_export"),
    path("do-not-remind/", views.do_not_remind, name="do_not_remind"),
    path("do-not-remind/<int:customer_id>/remove/", views.remove_do_not_remind, name="remove_do_not_remind"),
    path("settings/", views.shop_settings, name="settings_default"),
    path("settings/<slug:code>/", views.shop_settings, name="settings"),
    path("orders/<str:number>/", views.order_panel, name="order_panel"),
    path("orders/<str:number>/remind/", views.remind, name="remind"),
]
