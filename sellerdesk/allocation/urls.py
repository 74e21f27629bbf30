from __future__ import annotations

from django.urls import path

from sellerdesk.allocation import views

app_name = "stockouts"
urlpatterns = [
    path("", views.stockout_list, name="list"),
    path("plan/", views.plan, name="plan"),
    path("<str:number>/resolve/", views.resolve, name="resolve"),
]
