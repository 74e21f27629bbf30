from django.urls import path

from sellerdesk.shops import staff_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.staff_list, name="list"),
    path("tokens/", staff_views.token_list, name="tokens"),
]
