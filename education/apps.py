from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    name = "education"
    verbose_name = _("Education")

    def ready(self):
        from education.selectors import application_summaries, dashboard_section
        from kunshan_portal.registry import register_application_source, register_dashboard_section

        register_application_source(application_summaries)
        register_dashboard_section(dashboard_section)

        from kunshan_portal.registry import register_city_seeder

        register_city_seeder("education", "education.seeding.seed_city", order=50, after=("residents",))

        # --- Dashboard figures ---
        from education.selectors import dashboard_domain
        from kunshan_portal.registry import register_dashboard_domain

        register_dashboard_domain(dashboard_domain())
