"""The staff screens of the marketplaces app, under /marketplaces/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "marketplaces"

urlpatterns: list[URLPattern | URLResolver] = []
