from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("Residents")

    def ready(self):
        from kunshan_portal.registry import register_city_seeder

        register_city_seeder("residents", "residents.seeding.seed_city", order=10)
        # --- Dashboard figures ---
        from kunshan_portal.registry import register_dashboard_domain, register_dashboard_towns
        from residents.selectors import dashboard_domain, dashboard_towns

        register_dashboard_domain(dashboard_domain())
        register_dashboard_towns(dashboard_towns)
