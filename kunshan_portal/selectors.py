from django.db.models import Count, Q
from django.utils.translation import gettext as _

from kunshan_portal.models import NoticeDelivery, User


def portal_stats() -> tuple[str, list[tuple[str, object]]]:
    """Accounts and notice deliveries, for the dashboard's first section."""
    deliveries = NoticeDelivery.objects.aggregate(
        sent=Count("id", filter=Q(state=NoticeDelivery.State.SENT)),
        failed=Count("id", filter=Q(state=NoticeDelivery.State.FAILED)),
    )
    return (
        _("Portal"),
        [
            (_("Accounts"), User.objects.filter(is_active=True).count()),
            (_("Notices sent"), deliveries["sent"]),
            (_("Notices failed"), deliveries["failed"]),
        ],
    )
