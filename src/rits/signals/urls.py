from django.urls import path

from rits.signals import views_inbox
from rits.signals.intake import views as intake_views
from rits.signals.linking import views as review_views

app_name = "signals"

urlpatterns = [
    path("signals/upload/", intake_views.upload, name="upload"),
    path("signals/batches/<int:batch_id>/", intake_views.batch, name="batch"),
    # The alert inbox (rules and alerts).
    path("signals/inbox/", views_inbox.inbox, name="inbox"),
    path("signals/inbox/team/", views_inbox.team_inbox, name="inbox-team"),
    path(
        "signals/alerts/<int:alert_id>/acknowledge/",
        views_inbox.acknowledge,
        name="alert-acknowledge",
    ),
    path("signals/alerts/<int:alert_id>/act/", views_inbox.act, name="alert-act"),
    path("signals/alerts/<int:alert_id>/dismiss/", views_inbox.dismiss, name="alert-dismiss"),
    # The review queue of linking.
    path("signals/review/", review_views.review_list, name="review"),
    path("signals/review/<int:review_id>/", review_views.review_detail, name="review-detail"),
]
