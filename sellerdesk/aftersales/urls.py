from django.urls import path

from sellerdesk.aftersales import desk_views, files, views

app_name = "aftersales"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("cases/<str:number>/", views.case_page, name="case"),
    path("cases/<str:number>/do/<slug:move>/", views.case_action, name="case_action"),
    path("cases/<str:number>/dispute/", desk_views.dispute_page, name="dispute"),
    path("cases/<str:number>/return-form.pdf", views.return_form, name="return_form"),
    path("orders/<str:number>/panel/", views.order_panel, name="order_panel"),
    path("orders/<str:number>/new/", views.open_case_page, name="open_case"),
    path("inspection/", desk_views.inspection_desk, name="inspection"),
    path("inspection/scan/", desk_views.inspection_scan, name="inspection_scan"),
    path("inspection/<str:number>/", desk_views.inspect_case, name="inspect"),
    path("work/", desk_views.work_lists, name="work"),
    path("work/follow-ups/<int:pk>/", desk_views.complete_follow_up, name="complete_follow_up"),
    path("work/transfers/<str:number>/", desk_views.complete_transfer, name="complete_transfer"),
    path("figures/", desk_views.figures_page, name="figures"),
    path("evidence/<int:pk>/", files.evidence_file, name="evidence_file"),
]
