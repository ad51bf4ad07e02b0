from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    name = "housing"
    verbose_name = _("Housing")

    def ready(self):
        from housing.selectors import housing_application_summaries, housing_dashboard
        from kunshan_portal.registry import register_application_source, register_dashboard_section

        register_application_source(housing_application_summaries)
        register_dashboard_section(housing_dashboard)

        from kunshan_portal.registry import register_city_seeder

        register_city_seeder("housing", "housing.seeding.seed_city", order=40, after=("employment",))

        # --- Dashboard figures ---
        from housing.selectors import dashboard_domain
        from kunshan_portal.registry import register_dashboard_domain

        register_dashboard_domain(dashboard_domain())
