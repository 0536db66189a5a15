from django.urls import path

from rits.plans import pdf, views

app_name = "plans"

urlpatterns = [
    path("families/<int:family_id>/plan/", views.plan_page, name="plan"),
    path("families/<int:family_id>/plan/pdf/", pdf.plan_pdf, name="pdf"),
    path("families/<int:family_id>/plan/assess/", views.assess_domain, name="assess"),
    path(
        "families/<int:family_id>/plan/safety/new/", views.add_safety_item, name="add-safety-item"
    ),
    path(
        "families/<int:family_id>/plan/safety/score/",
        views.add_safety_score,
        name="add-safety-score",
    ),
    path("families/<int:family_id>/plan/goals/new/", views.add_goal, name="add-goal"),
    path(
        "families/<int:family_id>/plan/agreements/new/", views.add_agreement, name="add-agreement"
    ),
    path(
        "families/<int:family_id>/plan/agreements/<int:agreement_id>/",
        views.change_agreement,
        name="change-agreement",
    ),
    path(
        "families/<int:family_id>/plan/crisis/new/",
        views.add_crisis_contact,
        name="add-crisis-contact",
    ),
    path("families/<int:family_id>/plan/details/", views.plan_details, name="details"),
    path(
        "families/<int:family_id>/plan/agreements/<int:agreement_id>/comment/",
        views.comment_on_agreement,
        name="agreement-comment",
    ),
    path(
        "families/<int:family_id>/plan/versions/<int:number>/agree/",
        views.record_family_agreement,
        name="agree",
    ),
    path("families/<int:family_id>/plan/compare/", views.compare_versions, name="compare"),
    path("families/<int:family_id>/plan/removed/", views.recently_removed, name="removed"),
    path(
        "families/<int:family_id>/plan/agreements/<int:agreement_id>/history/",
        views.agreement_history,
        name="agreement-history",
    ),
]

# Changing, removing, undoing and the history of the plan's parts (issue 11).
for _prefix, _kind, _id in (
    ("goals", "goal", "goal_id"),
    ("safety", "safety-item", "safety_item_id"),
    ("safety/scores", "safety-score", "safety_score_id"),
    ("crisis", "crisis-contact", "crisis_contact_id"),
):
    _view = _kind.replace("-", "_")
    _base = f"families/<int:family_id>/plan/{_prefix}/<int:{_id}>/"
    urlpatterns += [
        path(_base, getattr(views, f"change_{_view}"), name=f"change-{_kind}"),
        path(f"{_base}remove/", getattr(views, f"remove_{_view}"), name=f"remove-{_kind}"),
        path(
            f"{_base}undo-removal/",
            getattr(views, f"undo_{_view}_removal"),
            name=f"undo-{_kind}-removal",
        ),
        path(f"{_base}history/", getattr(views, f"{_view}_history"), name=f"{_kind}-history"),
    ]
