from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsuranceConfig(AppConfig):
    name = "insurance"
    verbose_name = _("Social insurance")

    def ready(self):
        from insurance.selectors import enrolment_summaries, insurance_stats
        from kunshan_portal.registry import register_application_source, register_dashboard_section

        register_application_source(enrolment_summaries)
        register_dashboard_section(insurance_stats)

        from kunshan_portal.registry import register_city_seeder

        register_city_seeder("insurance", "insurance.seeding.seed_city", order=30, after=("employment",))

        # --- Dashboard figures ---
        from insurance.selectors import dashboard_domain
        from kunshan_portal.registry import register_dashboard_domain

        register_dashboard_domain(dashboard_domain())
