"""The CRM's pages under /customers/ (each section's owner adds its paths)."""

from django.urls import path

from sellerdesk.crm import views, views_merge, views_segments

app_name = "crm"

urlpatterns: list = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_page, name="customer"),
    path("<int:pk>/level/", views_merge.set_level, name="set_level"),
    path("duplicates/", views_merge.duplicates, name="duplicates"),
    path("merge/", views_merge.merge, name="merge"),
    path("levels/", views_merge.levels, name="levels"),
    path("segments/", views_segments.segment_list, name="segments"),
    path("segments/count/", views_segments.segment_count, name="segment_count"),
    path("segments/<int:pk>/", views_segments.segment_detail, name="segment"),
    path("segments/<int:pk>/export/", views_segments.segment_export, name="segment_export"),
    path("segments/purchase/<str:code>/", views_segments.purchase_group, name="purchase_group"),
    path("groups/", views_segments.group_list, name="groups"),
    path("groups/<int:pk>/", views_segments.group_detail, name="group"),
    path("export/", views_segments.customer_export, name="export"),
    path("import/", views_segments.customer_import, name="import"),
]
