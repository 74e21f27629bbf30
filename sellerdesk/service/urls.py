"""The service desk's screens under /service/ (views.py: the desk; views_care.py: quick
replies, handovers, follow-ups, the survey page; views_portal.py: the buyer's chat).
Each owner adds their paths in their own block."""

from __future__ import annotations

from django.urls import URLPattern, path

from sellerdesk.service import views, views_admin, views_care, views_portal

app_name = "service"

urlpatterns: list[URLPattern] = [
    # desk (H5)
    path("", views.desk, name="desk"),
    path("c/<int:pk>/", views.desk, name="conversation"),
    path("c/<int:pk>/send/", views.send, name="send"),
    path("c/<int:pk>/note/", views.note, name="note"),
    path("c/<int:pk>/move/", views.move, name="move"),
    path("c/<int:pk>/orders/<str:number>/<str:what>/", views.order_action, name="order_action"),
    path("c/<int:pk>/quick-replies/", views.quick_replies, name="quick_replies"),
    path("c/<int:pk>/quick-reply/", views.quick_reply_text, name="quick_reply_text"),
    path("c/<int:pk>/messages/<int:message_id>/intent/", views.correct_intent, name="correct_intent"),
    path("c/<int:pk>/call/", views.log_call, name="log_call"),
    path("call/", views.log_call, name="log_new_call"),
    # care (H6)
    path("survey/<str:token>/", views_care.survey, name="survey"),
    path("care/replies/", views_care.replies, name="care_replies"),
    path("care/replies/new/", views_care.reply_edit, name="care_reply_new"),
    path("care/replies/<int:pk>/", views_care.reply_edit, name="care_reply_edit"),
    path("care/replies/<int:pk>/delete/", views_care.reply_delete, name="care_reply_delete"),
    path("care/replies/export/", views_care.replies_export, name="care_replies_export"),
    path("care/replies/import/", views_care.replies_import, name="care_replies_import"),
    path("care/handovers/", views_care.handovers, name="care_handovers"),
    path("care/handovers/<int:pk>/acknowledge/", views_care.handover_acknowledge, name="care_handover_acknowledge"),
    path("care/handovers/unacknowledged/", views_care.handovers_unacknowledged, name="care_unacknowledged"),
    path("care/follow-ups/", views_care.follow_up_list, name="care_follow_ups"),
    path("care/follow-ups/<int:pk>/done/", views_care.follow_up_complete, name="care_follow_up_complete"),
    path("care/complaint/<int:pk>/", views_care.complaint, name="care_complaint"),
    path("care/archive/", views_care.archive_page, name="care_archive"),
    # admin (H4)
    path("figures/", views_admin.figures_page, name="figures"),
    path("admin/calendars/", views_admin.calendar_list, name="admin_calendars"),
    path("admin/calendars/<int:pk>/", views_admin.calendar_detail, name="admin_calendar"),
    path("admin/sla/", views_admin.policy_list, name="admin_policies"),
    path("admin/agents/", views_admin.agent_list, name="admin_agents"),
    path("admin/presence/", views_admin.my_presence, name="admin_presence"),
    # portal chat (H2)
    path("chat/", views_portal.chat, name="portal_chat"),
    path("chat/messages/", views_portal.messages_after, name="portal_chat_messages"),
    path("chat/send/", views_portal.send, name="portal_chat_send"),
    path("chat/read/", views_portal.read, name="portal_chat_read"),
    path("chat/images/<int:pk>/", views_portal.attachment, name="portal_chat_attachment"),
]
