"""Kunshan's towns and zones, the skills and certificate lists, and the resident-card number sequence."""

from django.db import migrations

TOWNS = [
    ("yushan", "玉山镇", "Yushan", "town"),
    ("bacheng", "巴城镇", "Bacheng", "town"),
    ("zhoushi", "周市镇", "Zhoushi", "town"),
    ("lujia", "陆家镇", "Lujia", "town"),
    ("huaqiao", "花桥镇", "Huaqiao", "town"),
    ("zhangpu", "张浦镇", "Zhangpu", "town"),
    ("qiandeng", "千灯镇", "Qiandeng", "town"),
    ("dianshanhu", "淀山湖镇", "Dianshanhu", "town"),
    ("zhouzhuang", "周庄镇", "Zhouzhuang", "town"),
    ("jinxi", "锦溪镇", "Jinxi", "town"),
    ("development-zone", "昆山开发区", "Development Zone", "zone"),
    ("hi-tech-zone", "昆山高新区", "Hi-tech Zone", "zone"),
    ("huaqiao-edz", "花桥经济开发区", "Huaqiao Economic Development Zone", "zone"),
]

SKILLS = [
    ("assembly", "电子装配", "electronics assembly"),
    ("smt-operation", "SMT贴片操作", "SMT line operation"),
    ("quality-inspection", "质量检验", "quality inspection"),
    ("cnc-machining", "数控加工", "CNC machining"),
    ("electric-welding", "电焊", "electric welding"),
    ("forklift", "叉车驾驶", "forklift driving"),
    ("warehouse", "仓储管理", "warehouse handling"),
    ("electrician", "电工", "electrical work"),
    ("appliance-repair", "家电维修", "appliance repair"),
    ("computer-operation", "计算机操作", "computer operation"),
    ("sewing", "缝纫", "sewing"),
    ("bricklaying", "砌筑", "bricklaying"),
    ("rebar", "钢筋工", "rebar work"),
    ("carpentry", "木工", "carpentry"),
    ("cooking", "烹饪", "cooking"),
    ("customer-service", "客户服务", "customer service"),
    ("driving", "驾驶", "driving"),
    ("cleaning", "保洁", "cleaning"),
    ("security", "安保", "security guarding"),
    ("injection-moulding", "注塑操作", "injection moulding"),
]

CERTIFICATES = [
    ("construction-safety", "建筑施工安全培训合格证", "construction safety certificate", "none"),
    ("welder-special", "焊工特种作业操作证", "welder special operation certificate", "special"),
    ("electrician-special", "电工特种作业操作证", "electrician special operation certificate", "special"),
    ("forklift-special", "叉车特种设备作业证", "forklift special equipment certificate", "special"),
    ("vocational-diploma", "职业学校毕业证书", "vocational school diploma", "diploma"),
    ("nvq-electronics-1", "电子设备装接工（五级）", "electronics assembler, NVQ level 1", "nvq1"),
    ("nvq-electronics-2", "电子设备装接工（四级）", "electronics assembler, NVQ level 2", "nvq2"),
    ("nvq-cnc-3", "数控车工（三级）", "CNC lathe operator, NVQ level 3", "nvq3"),
    ("nvq-electrician-4", "电工（二级）", "electrician, NVQ level 4", "nvq4"),
    ("nvq-technician-5", "高级技师（一级）", "senior technician, NVQ level 5", "nvq5"),
    ("food-hygiene", "食品从业人员健康证", "food handler health certificate", "none"),
    ("driving-licence-c1", "C1驾驶证", "driving licence C1", "none"),
]


def seed(apps, schema_editor):
    Town = apps.get_model("residents", "Town")
    Skill = apps.get_model("residents", "Skill")
    CertificateType = apps.get_model("residents", "CertificateType")
    for code, zh, en, kind in TOWNS:
        Town.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "kind": kind})
    for code, zh, en in SKILLS:
        Skill.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en})
    for code, zh, en, level in CERTIFICATES:
        CertificateType.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "level": level})


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS residents_card_number_seq START 1",
            "DROP SEQUENCE IF EXISTS residents_card_number_seq",
        ),
    ]
