from django.urls import path

from sellerdesk.ratings import views

app_name = "ratings"
urlpatterns = [
    path("", views.rating_list, name="list"),
    path("orders/<str:number>/", views.order_panel, name="order_panel"),
    path("orders/<str:number>/rate/", views.rate_buyer, name="rate_buyer"),
]
