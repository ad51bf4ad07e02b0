"""The defaults of DOMAIN.md as data: the five schemes' rates, the medical personal-account shares by age,
and an average monthly wage of 8,000 yuan (floor 60%, ceiling 300%). They are in force from 2000-01-01
until an insurance caseworker enters rows with a later date (or a later year's average wage)."""

from datetime import date
from decimal import Decimal

from django.db import migrations

IN_FORCE_FROM = date(2000, 1, 1)
RATES = [
    ("pension", "0.18", "0.08"),
    ("medical", "0.08", "0.02"),
    ("unemployment", "0.02", "0.01"),
    ("maternity", "0.008", "0"),
    ("work_injury", "0.005", "0"),
]
BANDS = [(0, 34, "0.040"), (35, 44, "0.045"), (45, 54, "0.055"), (55, None, "0.065")]


def seed(apps, schema_editor):
    SchemeRate = apps.get_model("insurance", "SchemeRate")
    MedicalShareTable = apps.get_model("insurance", "MedicalShareTable")
    MedicalAgeBand = apps.get_model("insurance", "MedicalAgeBand")
    AverageWage = apps.get_model("insurance", "AverageWage")
    for scheme, employer_rate, employee_rate in RATES:
        SchemeRate.objects.get_or_create(
            scheme=scheme,
            valid_from=IN_FORCE_FROM,
            defaults={"employer_rate": Decimal(employer_rate), "employee_rate": Decimal(employee_rate)},
        )
    table, created = MedicalShareTable.objects.get_or_create(valid_from=IN_FORCE_FROM)
    if created:
        MedicalAgeBand.objects.bulk_create(
            MedicalAgeBand(table=table, min_age=low, max_age=high, personal_share=Decimal(share))
            for low, high, share in BANDS
        )
    AverageWage.objects.get_or_create(
        year=IN_FORCE_FROM.year,
        defaults={"average_wage": Decimal("8000.00"), "floor_ratio": Decimal("0.60"), "ceiling_ratio": Decimal("3.00")},
    )


class Migration(migrations.Migration):
    dependencies = [("insurance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
