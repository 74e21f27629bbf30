from django.urls import path

from sellerdesk.logistics import views

app_name = "logistics"
urlpatterns = [
    path("exceptions/", views.exception_desk, name="exceptions"),
    path("exceptions/assign/", views.assign, name="assign"),
    path("exceptions/<int:pk>/contact/", views.contact, name="contact"),
    path("exceptions/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("carriers/", views.carrier_list, name="carriers"),
    path("carriers/<slug:code>/rates/", views.save_rates, name="save_rates"),
    path("orders/<str:number>/extend-auto-confirm/", views.extend_auto_confirm, name="extend_auto_confirm"),
    path("orders/<str:number>/parcels/", views.order_parcels, name="order_parcels"),
]
