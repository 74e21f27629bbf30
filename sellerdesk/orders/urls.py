from django.urls import path

from sellerdesk.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("review-queue/", views.queue, name="review_queue"),
    path("<str:number>/", views.order_detail, name="detail"),
]
