"""/notifications/: message templates, the shop's sending rules, the outbox, webhooks."""

from __future__ import annotations

from django.urls import URLPattern, path

from sellerdesk.notifications import views

app_name = "notifications"
urlpatterns: list[URLPattern] = [
    path("", views.outbox_list, name="outbox"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/resend/", views.message_resend, name="resend"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<str:kind>/<str:channel>/<str:language>/", views.template_edit, name="template"),
    path("templates/<str:kind>/<str:channel>/<str:language>/preview/", views.template_preview, name="preview"),
    path("settings/", views.settings_page, name="settings"),
    path("webhooks/", views.webhook_list, name="webhooks"),
]
