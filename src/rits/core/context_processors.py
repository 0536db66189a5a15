from django.conf import settings


def rits(request):
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "professional": getattr(request.user, "professional", None)
        if request.user.is_authenticated
        else None,
    }
