"""The CRM's pages under /customers/ (each section's owner adds its paths)."""

from django.urls import path  # noqa: F401

app_name = "crm"

urlpatterns: list = []
