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
