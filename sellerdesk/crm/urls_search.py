"""The one search box's page, /search/."""

from django.urls import path

from sellerdesk.crm import views_search

app_name = "search"

urlpatterns = [
    path("", views_search.search, name="search"),
]
