from django.urls import path

from rits.worklist import views

app_name = "worklist"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/team/", views.team_inbox, name="inbox-team"),
    path("work-items/<int:item_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("work-items/<int:item_id>/act/", views.act, name="act"),
    path("work-items/<int:item_id>/dismiss/", views.dismiss, name="dismiss"),
    path("work-items/<int:item_id>/reopen/", views.reopen, name="reopen"),
]
