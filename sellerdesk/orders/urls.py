from django.urls import path

from sellerdesk.orders import views, views_changes, views_merging

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("review-queue/", views.queue, name="review_queue"),
    path("review-queue/changes/", views_changes.queue_changes, name="review_queue_changes"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/merge-split/", views_merging.merge_panel, name="merge_panel"),
    path("<str:number>/merge/", views_merging.merge, name="merge"),
    path("<str:number>/unmerge/", views_merging.unmerge, name="unmerge"),
    path("<str:number>/split/", views_merging.split, name="split"),
    path("<str:number>/changes/", views_changes.order_changes, name="changes"),
]
