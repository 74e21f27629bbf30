"""The CRM's pages under /customers/ (each section's owner adds its paths)."""

from django.urls import path  # noqa: F401

from sellerdesk.crm import views

app_name = "crm"

urlpatterns: list = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_page, name="customer"),
]
