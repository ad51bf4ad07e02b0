from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KunshanPortalConfig(AppConfig):
    name = "kunshan_portal"
    verbose_name = _("Portal")

    def ready(self):
        from kunshan_portal.accountcache import connect_signals
        from kunshan_portal.roles import sync_role_permissions

        connect_signals()
        # Permissions of every app exist only after all migrations ran, so roles are synced then.
        post_migrate.connect(sync_role_permissions, dispatch_uid="kunshan_sync_roles")
