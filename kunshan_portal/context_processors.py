from kunshan_portal.selectors import header_facts


def portal(request):
    """What the page header needs about the visitor, in one query: unread notices and which areas to link."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notices": 0, "is_resident": False, "is_employer": False}
    return header_facts(user.pk)
