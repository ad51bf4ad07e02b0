from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    name = "employment"
    verbose_name = _("Employment")

    def ready(self):
        from employment.selectors import employment_stats, resident_application_summaries
        from kunshan_portal.registry import register_application_source, register_dashboard_section

        register_application_source(resident_application_summaries)
        register_dashboard_section(employment_stats)

        from employment.services import jobseeker_profile_erase
        from kunshan_portal.registry import register_closure_eraser

        register_closure_eraser(jobseeker_profile_erase)

        from kunshan_portal.registry import register_city_seeder

        register_city_seeder("employment", "employment.seeding.seed_city", order=20, after=("residents",))

        # --- Dashboard figures ---
        from employment.selectors import dashboard_domain
        from kunshan_portal.registry import register_dashboard_domain

        register_dashboard_domain(dashboard_domain())

        # --- Training programmes and subsidies ---
        from employment.selectors import resident_training_summaries

        register_application_source(resident_training_summaries)
