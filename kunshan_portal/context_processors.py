from kunshan_portal.notices import notice_unread_count


def portal(request):
    """The unread-notice count for the page header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notices": 0}
    return {"unread_notices": notice_unread_count(user=user)}
