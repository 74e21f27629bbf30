from django.urls import path

from sellerdesk.orders import views, views_changes, views_entry, views_list, views_merging, views_review

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("export/", views_list.export, name="export"),
    path("saved-views/", views_list.save_view, name="save_view"),
    path("saved-views/<int:pk>/delete/", views_list.delete_view, name="delete_view"),
    path("review-queue/", views.queue, name="review_queue"),
    path("review-queue/changes/", views_changes.queue_changes, name="review_queue_changes"),
    path("review-queue/run/", views_review.review_run_panel, name="review_run_panel"),
    path("review-queue/run/start/", views_review.start_review_run, name="review_run_start"),
    path("review-settings/", views_review.review_settings, name="review_settings"),
    path("review-settings/<slug:shop>/", views_review.review_settings, name="review_settings_shop"),
    path("review-settings/<slug:shop>/allocation/", views_review.allocation_settings, name="allocation_settings"),
    path("new/", views_entry.new_order, name="new"),
    path("new/buyers/", views_entry.entry_buyers, name="entry_buyers"),
    path("new/pick/", views_entry.entry_pick, name="entry_pick"),
    path("new/split/", views_entry.entry_split, name="entry_split"),
    path("new/lines/", views_entry.entry_lines, name="entry_lines"),
    path("<str:number>/", views.order_detail, name="detail"),
    path("<str:number>/merge-split/", views_merging.merge_panel, name="merge_panel"),
    path("<str:number>/merge/", views_merging.merge, name="merge"),
    path("<str:number>/unmerge/", views_merging.unmerge, name="unmerge"),
    path("<str:number>/split/", views_merging.split, name="split"),
    path("<str:number>/changes/", views_changes.order_changes, name="changes"),
]
