from django.urls import path
from django.views.generic import RedirectView

from rits.signals.intake import views as intake_views
from rits.signals.linking import views as review_views
from rits.worklist import views as worklist_views

app_name = "signals"

urlpatterns = [
    path("signals/upload/", intake_views.upload, name="upload"),
    path("signals/batches/<int:batch_id>/", intake_views.batch, name="batch"),
    # The review queue of linking.
    path("signals/review/", review_views.review_list, name="review"),
    path("signals/review/<int:review_id>/", review_views.review_detail, name="review-detail"),
    path(
        "signals/review/<int:review_id>/reopen/",
        review_views.review_reopen,
        name="review-reopen",
    ),
    # The alert inbox moved to the worklist (``worklist:inbox``, ...); its old paths keep
    # working for bookmarks and links in e-mails sent before: the pages redirect, the
    # forms are answered where they are sent.
    path(
        "signals/inbox/",
        RedirectView.as_view(pattern_name="worklist:inbox", permanent=True, query_string=True),
        name="old-inbox",
    ),
    path(
        "signals/inbox/team/",
        RedirectView.as_view(pattern_name="worklist:inbox-team", permanent=True, query_string=True),
        name="old-inbox-team",
    ),
    path(
        "signals/alerts/<int:item_id>/acknowledge/",
        worklist_views.acknowledge,
        name="old-alert-acknowledge",
    ),
    path("signals/alerts/<int:item_id>/act/", worklist_views.act, name="old-alert-act"),
    path("signals/alerts/<int:item_id>/dismiss/", worklist_views.dismiss, name="old-alert-dismiss"),
]
