from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KunshanPortalConfig(AppConfig):
    default = True  # this module holds the admin's config too
    name = "kunshan_portal"
    verbose_name = _("Portal")

    def ready(self):
        from kunshan_portal.accountcache import connect_signals
        from kunshan_portal.roles import sync_role_permissions

        connect_signals()
        # Permissions of every app exist only after all migrations ran, so roles are synced then.
        post_migrate.connect(sync_role_permissions, dispatch_uid="kunshan_sync_roles")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the portal's admin site (kunshan_portal/admin_tools.py)."""

    default = False

    default_site = "kunshan_portal.admin_tools.PortalAdminSite"
