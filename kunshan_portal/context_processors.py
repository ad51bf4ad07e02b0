from django.db.models import Count, Exists, OuterRef, Q

from kunshan_portal.models import User


def portal(request):
    """What the page header needs about the visitor, in one query: unread notices and which areas to link."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notices": 0, "is_resident": False, "is_employer": False}
    from residents.models import Employer, Resident

    facts = (
        User.objects.filter(pk=user.pk)
        .annotate(
            unread=Count("notices", filter=Q(notices__read_at__isnull=True)),
            resident_exists=Exists(Resident.objects.filter(user=OuterRef("pk"))),
            employer_exists=Exists(Employer.accounts.through.objects.filter(user=OuterRef("pk"))),
        )
        .values("unread", "resident_exists", "employer_exists")
        .first()
    ) or {"unread": 0, "resident_exists": False, "employer_exists": False}
    return {
        "unread_notices": facts["unread"],
        "is_resident": facts["resident_exists"],
        "is_employer": facts["employer_exists"],
    }
