"""The staff screens of the marketplaces app, under /marketplaces/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from sellerdesk.marketplaces import views

app_name = "marketplaces"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.imports, name="imports"),
    path("imports/", views.upload, name="upload"),
    path("imports/<int:import_id>/", views.import_page, name="import"),
    path("imports/<int:import_id>/panel/", views.import_panel, name="import_panel"),
    path("imports/<int:import_id>/commit/", views.commit, name="commit"),
    path("imports/<int:import_id>/discard/", views.discard, name="discard"),
    path("imports/<int:import_id>/refused.csv", views.refused_csv, name="refused_csv"),
    path("bulk-ship/", views.bulk_ship, name="bulk_ship"),
]
