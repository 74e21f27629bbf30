from __future__ import annotations

from django.urls import URLPattern, path  # noqa: F401

app_name = "supplier_portal"
urlpatterns: list[URLPattern] = []
