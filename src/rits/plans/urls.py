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
        "families/<int:family_id>/plan/versions/<int:number>/agree/",
        views.record_family_agreement,
        name="agree",
    ),
    path("families/<int:family_id>/plan/compare/", views.compare_versions, name="compare"),
]
