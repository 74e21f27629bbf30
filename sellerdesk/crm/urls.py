"""The CRM's pages under /customers/ (each section's owner adds its paths)."""

from django.urls import path

from sellerdesk.crm import views, views_merge

app_name = "crm"

urlpatterns: list = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_page, name="customer"),
    path("<int:pk>/level/", views_merge.set_level, name="set_level"),
    path("duplicates/", views_merge.duplicates, name="duplicates"),
    path("merge/", views_merge.merge, name="merge"),
    path("levels/", views_merge.levels, name="levels"),
]
