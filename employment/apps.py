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
