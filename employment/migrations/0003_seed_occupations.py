"""The city's occupation list (administrators extend it in the admin)."""

from django.db import migrations

OCCUPATIONS = [
    ("electronics-assembler", "电子装配工", "electronics assembler", "electronics"),
    ("smt-operator", "SMT操作员", "SMT line operator", "electronics"),
    ("quality-inspector", "质检员", "quality inspector", "manufacturing"),
    ("cnc-operator", "数控机床操作工", "CNC machine operator", "manufacturing"),
    ("welder", "焊工", "welder", "manufacturing"),
    ("injection-moulding-operator", "注塑工", "injection moulding operator", "manufacturing"),
    ("general-worker", "普工", "general production worker", "manufacturing"),
    ("packer", "包装工", "packer", "manufacturing"),
    ("maintenance-electrician", "维修电工", "maintenance electrician", "manufacturing"),
    ("sewing-machinist", "缝纫工", "sewing machinist", "textiles"),
    ("forklift-driver", "叉车司机", "forklift driver", "logistics"),
    ("warehouse-keeper", "仓管员", "warehouse keeper", "logistics"),
    ("delivery-driver", "配送司机", "delivery driver", "logistics"),
    ("bricklayer", "砌筑工", "bricklayer", "construction"),
    ("rebar-worker", "钢筋工", "rebar worker", "construction"),
    ("carpenter", "木工", "carpenter", "construction"),
    ("construction-labourer", "建筑普工", "construction labourer", "construction"),
    ("cook", "厨师", "cook", "retail"),
    ("kitchen-helper", "厨房帮工", "kitchen helper", "retail"),
    ("waiter", "服务员", "waiter or waitress", "retail"),
    ("shop-assistant", "营业员", "shop assistant", "retail"),
    ("customer-service", "客服专员", "customer service representative", "services"),
    ("cleaner", "保洁员", "cleaner", "services"),
    ("security-guard", "保安", "security guard", "services"),
    ("appliance-technician", "家电维修工", "appliance repair technician", "services"),
]


def seed(apps, schema_editor):
    Occupation = apps.get_model("employment", "Occupation")
    for code, zh, en, sector in OCCUPATIONS:
        Occupation.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "sector": sector}
        )


class Migration(migrations.Migration):
    dependencies = [("employment", "0002_jobseeker_triggers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
