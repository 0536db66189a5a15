from rits.notifications.selectors import unread_count


def notifications(request):
    """The unread count in the header, for every logged-in professional (one query)."""
    user = request.user
    if not user.is_authenticated or getattr(user, "professional", None) is None:
        return {}
    return {"unread_notifications": unread_count(user)}
