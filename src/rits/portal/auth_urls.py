"""Logging in to the portal, under ``/mijn/``: ``urlpatterns`` join the portal's own
(``rits.portal.urls``, namespace "portal"); ``digid_urlpatterns`` are DigiD's pages,
namespaces "digid" and "digid-mock" as the library reverses them, included by
rits.conf.urls under /mijn/. DigiD's pages are the mock's while ``RITS_DIGID_MOCK`` is
on (never in production), else the library's real SAML flow with our own assertion
consumer service (the BSN matched by pseudonym)."""

from digid_eherkenning import views as digid
from digid_eherkenning.mock.idp.views.digid import DigiDMockIDPLoginView
from digid_eherkenning.mock.views.digid import DigiDLoginMockView, DigiDLogoutMockView
from django.conf import settings
from django.urls import include, path

from rits.portal import auth_views as views

if settings.DIGID_MOCK:
    _digid = (
        [
            path("login/", DigiDLoginMockView.as_view(), name="login"),
            path("acs/", views.MockAssertionConsumerService.as_view(), name="acs"),
            path("logout/", DigiDLogoutMockView.as_view(), name="logout"),
        ],
        "digid",
    )
    _idp = [
        path(
            "digid-test/",
            include(
                (
                    [
                        path("inloggen/", DigiDMockIDPLoginView.as_view(), name="login"),
                        path("inloggen_bsn/", views.MockIdPBSNLogin.as_view(), name="bsn"),
                    ],
                    "digid-mock",
                ),
                namespace="digid-mock",
            ),
        )
    ]
else:
    _digid = (
        [
            path("login/", digid.DigiDLoginView.as_view(), name="login"),
            path("acs/", views.AssertionConsumerService.as_view(), name="acs"),
            path("logout/", digid.DigiDLogoutView.as_view(), name="logout"),
            path(
                "slo/redirect/", digid.DigidSingleLogoutRedirectView.as_view(), name="slo-redirect"
            ),
            path("slo/soap/", digid.DigidSingleLogoutSoapView.as_view(), name="slo-soap"),
        ],
        "digid",
    )
    _idp = []

urlpatterns = [
    path("inloggen/", views.login, name="login"),
    path("uitloggen/", views.logout, name="logout"),
    path("uitnodiging/<str:token>/", views.invitation, name="invitation"),
]

digid_urlpatterns = [path("digid/", include(_digid, namespace="digid")), *_idp]
