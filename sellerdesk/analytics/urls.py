"""The dashboards under /dashboard/."""

from django.urls import path

from sellerdesk.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.home, name="home"),
    path("export.xlsx", views.export, name="export"),
]
