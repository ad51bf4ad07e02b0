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
