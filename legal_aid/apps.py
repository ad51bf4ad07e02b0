from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalAidConfig(AppConfig):
    name = "legal_aid"
    verbose_name = _("Legal aid")

    def ready(self):
        from kunshan_portal.registry import (
            register_application_source,
            register_closure_obstacle,
            register_dashboard_section,
        )
        from legal_aid.selectors import case_summaries, closure_obstacles, dashboard_section

        register_application_source(case_summaries)
        register_closure_obstacle(closure_obstacles)
        register_dashboard_section(dashboard_section)

        from kunshan_portal.registry import register_city_seeder

        register_city_seeder("legal_aid", "legal_aid.seeding.seed_city", order=60, after=("employment",))

        # --- Dashboard figures ---
        from kunshan_portal.registry import register_dashboard_domain
        from legal_aid.selectors import dashboard_domain

        register_dashboard_domain(dashboard_domain())
