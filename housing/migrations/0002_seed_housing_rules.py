"""The housing rules' documented defaults (DOMAIN.md, Housing), in force from the start of the programme."""

from datetime import date
from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("points_temporary_shed", Decimal(30), "temporary shed"),
    ("points_overcrowded", Decimal(20), "overcrowded"),
    ("points_per_year", Decimal(2), "per full year in Kunshan"),
    ("points_years_cap", Decimal(20), "years in Kunshan: at most"),
    ("points_partner_employer", Decimal(15), "employer partners a chosen compound"),
    ("points_school_age_children", Decimal(10), "school-age children"),
    ("school_age_from", Decimal(6), "compulsory education from 6"),
    ("school_age_to", Decimal(15), "to 15 inclusive"),
    ("affordability_cap_percent", Decimal(30), "the public compounds aim at about 6.8%"),
    ("offer_deadline_days", Decimal(7), ""),
    ("unanswered_offers_limit", Decimal(3), ""),
    ("dormitory_utilities", Decimal("20.00"), "yuan a month"),
]
SINCE = date(2000, 1, 1)


def seed(apps, schema_editor):
    HousingSetting = apps.get_model("housing", "HousingSetting")
    for key, value, note in DEFAULTS:
        HousingSetting.objects.get_or_create(
            key=key, effective_from=SINCE, defaults={"value": value, "note": f"default: {note}".rstrip(": ")}
        )


def unseed(apps, schema_editor):
    HousingSetting = apps.get_model("housing", "HousingSetting")
    HousingSetting.objects.filter(effective_from=SINCE, key__in=[key for key, _, _ in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("housing", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
