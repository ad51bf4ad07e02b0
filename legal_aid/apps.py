from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalAidConfig(AppConfig):
    name = "legal_aid"
    verbose_name = _("Legal aid")

    def ready(self):
        from kunshan_portal.registry import register_application_source, register_dashboard_section
        from legal_aid.selectors import case_summaries, dashboard_section

        register_application_source(case_summaries)
        register_dashboard_section(dashboard_section)
