from django.conf import settings

from rits.core.params import without_bsn_query


def rits(request):
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "professional": getattr(request.user, "professional", None)
        if request.user.is_authenticated
        else None,
        # The language switch comes back to this page: not with a BSN in the address
        # (a GET search), which would then travel in a form field and the next request.
        "language_next": without_bsn_query(request.get_full_path()),
    }
