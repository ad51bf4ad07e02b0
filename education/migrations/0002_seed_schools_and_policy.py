"""The nine dedicated schools for new residents' children, public schools across Kunshan's towns and
zones, and the admission defaults (names and addresses are illustrative)."""

from datetime import date

from django.db import migrations

# code, Chinese name, English name, town code, first grade, last grade, address
DEDICATED = [
    ("yushan-xinmiao", "昆山市新苗学校", "Kunshan Xinmiao School", "yushan", 1, 9, "玉山镇同丰西路 88 号"),
    ("devzone-xingguang", "昆山开发区星光学校", "Development Zone Xingguang School", "development-zone", 1, 9,
     "开发区青阳南路 216 号"),
    ("zhoushi-qiming", "周市启明学校", "Zhoushi Qiming School", "zhoushi", 1, 9, "周市镇黄浦江北路 35 号"),
    ("lujia-chenguang", "陆家晨光学校", "Lujia Chenguang School", "lujia", 1, 6, "陆家镇合丰路 12 号"),
    ("huaqiao-xiwang", "花桥希望学校", "Huaqiao Xiwang School", "huaqiao", 1, 9, "花桥镇徐公桥路 7 号"),
    ("zhangpu-yucai", "张浦育才学校", "Zhangpu Yucai School", "zhangpu", 1, 6, "张浦镇振新东路 50 号"),
    ("qiandeng-mingzhi", "千灯明智学校", "Qiandeng Mingzhi School", "qiandeng", 1, 6, "千灯镇少卿路 18 号"),
    ("bacheng-chunlei", "巴城春蕾学校", "Bacheng Chunlei School", "bacheng", 1, 9, "巴城镇迎宾路 66 号"),
    ("hitech-lantian", "昆山高新区蓝天学校", "Hi-tech Zone Lantian School", "hi-tech-zone", 1, 9,
     "高新区马鞍山西路 120 号"),
]  # fmt: skip

# town code, Chinese stem, English stem, street for the address
TOWNS = [
    ("yushan", "玉山", "Yushan", "亭林路"),
    ("bacheng", "巴城", "Bacheng", "湖滨路"),
    ("zhoushi", "周市", "Zhoushi", "长江北路"),
    ("lujia", "陆家", "Lujia", "陆丰路"),
    ("huaqiao", "花桥", "Huaqiao", "花安路"),
    ("zhangpu", "张浦", "Zhangpu", "俱进路"),
    ("qiandeng", "千灯", "Qiandeng", "炎武路"),
    ("dianshanhu", "淀山湖", "Dianshanhu", "曙光路"),
    ("zhouzhuang", "周庄", "Zhouzhuang", "全福路"),
    ("jinxi", "锦溪", "Jinxi", "邵甸路"),
    ("development-zone", "开发区", "Development Zone", "前进东路"),
    ("hi-tech-zone", "高新区", "Hi-tech Zone", "玉城南路"),
    ("huaqiao-edz", "花桥经济开发区", "Huaqiao EDZ", "绿地大道"),
]
# Towns and zones with a second public primary school (the most populous).
SECOND_PRIMARY = {"yushan", "zhoushi", "development-zone", "hi-tech-zone", "huaqiao"}


def public_schools():
    for code, zh, en, street in TOWNS:
        yield (f"{code}-central-primary", f"{zh}中心小学", f"{en} Central Primary School", code, 1, 6,
               f"{street} 1 号")  # fmt: skip
        if code in SECOND_PRIMARY:
            yield (f"{code}-second-primary", f"{zh}第二中心小学", f"{en} No. 2 Central Primary School", code,
                   1, 6, f"{street} 99 号")  # fmt: skip
        yield (f"{code}-middle", f"{zh}中学", f"{en} Middle School", code, 7, 9, f"{street} 200 号")


def seed(apps, schema_editor):
    School = apps.get_model("education", "School")
    Town = apps.get_model("residents", "Town")
    PlacementPolicy = apps.get_model("education", "PlacementPolicy")
    towns = {town.code: town for town in Town.objects.all()}
    rows = [(row, "dedicated") for row in DEDICATED] + [(row, "public") for row in public_schools()]
    for (code, zh, en, town, first, last, address), kind in rows:
        School.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": zh, "name_en": en, "kind": kind, "town": towns[town], "first_grade": first,
                "last_grade": last, "address": address,
            },
        )  # fmt: skip
    PlacementPolicy.objects.get_or_create(valid_from=date(2020, 1, 1))


class Migration(migrations.Migration):
    dependencies = [("education", "0001_initial"), ("residents", "0002_seed_reference_data")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
