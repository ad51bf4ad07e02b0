"""The 21 legal-aid service stations and their 32 sub-stations, the examination deadline (3 working days),
and the sequence that numbers cases. Names are illustrative; administrators correct them in the admin."""

import datetime

from django.db import migrations

# code, Chinese name, English name, town code
TOWN_STATIONS = [
    ("yushan", "玉山镇法律援助工作站", "Yushan Town Legal Aid Station", "yushan"),
    ("bacheng", "巴城镇法律援助工作站", "Bacheng Town Legal Aid Station", "bacheng"),
    ("zhoushi", "周市镇法律援助工作站", "Zhoushi Town Legal Aid Station", "zhoushi"),
    ("lujia", "陆家镇法律援助工作站", "Lujia Town Legal Aid Station", "lujia"),
    ("huaqiao", "花桥镇法律援助工作站", "Huaqiao Town Legal Aid Station", "huaqiao"),
    ("zhangpu", "张浦镇法律援助工作站", "Zhangpu Town Legal Aid Station", "zhangpu"),
    ("qiandeng", "千灯镇法律援助工作站", "Qiandeng Town Legal Aid Station", "qiandeng"),
    ("dianshanhu", "淀山湖镇法律援助工作站", "Dianshanhu Town Legal Aid Station", "dianshanhu"),
    ("zhouzhuang", "周庄镇法律援助工作站", "Zhouzhuang Town Legal Aid Station", "zhouzhuang"),
    ("jinxi", "锦溪镇法律援助工作站", "Jinxi Town Legal Aid Station", "jinxi"),
    ("development-zone", "昆山开发区法律援助工作站", "Development Zone Legal Aid Station", "development-zone"),
    ("hi-tech-zone", "昆山高新区法律援助工作站", "Hi-tech Zone Legal Aid Station", "hi-tech-zone"),
    ("huaqiao-edz", "花桥经济开发区法律援助工作站", "Huaqiao EDZ Legal Aid Station", "huaqiao-edz"),
]
INSTITUTION_STATIONS = [
    ("legal-aid-centre", "昆山市法律援助中心", "Kunshan Legal Aid Centre", "yushan"),
    ("court", "昆山市人民法院法律援助工作站", "Legal Aid Station at the People's Court", "yushan"),
    ("procuratorate", "昆山市人民检察院法律援助工作站", "Legal Aid Station at the Procuratorate", "yushan"),
    ("labour-arbitration", "昆山市劳动人事争议仲裁院法律援助工作站",
     "Legal Aid Station at the Labour Dispute Arbitration Court", "yushan"),
    ("trade-union", "昆山市总工会法律援助工作站", "Legal Aid Station at the Federation of Trade Unions", "yushan"),
    ("womens-federation", "昆山市妇女联合会法律援助工作站", "Legal Aid Station at the Women's Federation", "yushan"),
    ("hr-market", "昆山人力资源市场法律援助工作站", "Legal Aid Station at the Human Resources Market",
     "development-zone"),
    ("new-residents-centre", "昆山市新市民服务中心法律援助工作站",
     "Legal Aid Station at the New Residents Service Centre", "yushan"),
]
# parent code -> [(suffix, Chinese, English)]
SUB_STATIONS = {
    "yushan": [
        ("chengbei", "城北社区法律援助联络点", "Chengbei Community"),
        ("tinglin", "亭林社区法律援助联络点", "Tinglin Community"),
        ("tongxin", "同心社区法律援助联络点", "Tongxin Community"),
        ("industrial-park", "玉山工业园法律援助联络点", "Yushan Industrial Park"),
    ],
    "development-zone": [
        ("bonded-zone", "综合保税区法律援助联络点", "Comprehensive Bonded Zone"),
        ("optoelectronics", "光电产业园法律援助联络点", "Optoelectronics Industrial Park"),
        ("penglang", "蓬朗社区法律援助联络点", "Penglang Community"),
        ("bingxi", "兵希社区法律援助联络点", "Bingxi Community"),
    ],
    "hi-tech-zone": [
        ("robotics-park", "机器人产业园法律援助联络点", "Robotics Industrial Park"),
        ("yangcheng-lake", "阳澄湖科技园法律援助联络点", "Yangcheng Lake Science Park"),
        ("qingsong", "青淞社区法律援助联络点", "Qingsong Community"),
    ],
    "huaqiao": [
        ("business-city", "花桥国际商务城法律援助联络点", "Huaqiao International Business City"),
        ("caoan", "曹安社区法律援助联络点", "Caoan Community"),
        ("xugongqiao", "徐公桥社区法律援助联络点", "Xugongqiao Community"),
    ],
    "zhoushi": [
        ("industrial-park", "周市工业园法律援助联络点", "Zhoushi Industrial Park"),
        ("qingyang", "青阳社区法律援助联络点", "Qingyang Community"),
        ("dongshi", "东市社区法律援助联络点", "Dongshi Community"),
    ],
    "zhangpu": [
        ("industrial-park", "张浦工业园法律援助联络点", "Zhangpu Industrial Park"),
        ("dashi", "大市社区法律援助联络点", "Dashi Community"),
        ("nangang", "南港社区法律援助联络点", "Nangang Community"),
    ],
    "lujia": [
        ("industrial-park", "陆家工业园法律援助联络点", "Lujia Industrial Park"),
        ("hefeng", "合丰社区法律援助联络点", "Hefeng Community"),
    ],
    "bacheng": [
        ("industrial-park", "巴城工业园法律援助联络点", "Bacheng Industrial Park"),
        ("zhengyi", "正仪社区法律援助联络点", "Zhengyi Community"),
    ],
    "qiandeng": [
        ("industrial-park", "千灯工业园法律援助联络点", "Qiandeng Industrial Park"),
        ("shipu", "石浦社区法律援助联络点", "Shipu Community"),
    ],
    "huaqiao-edz": [
        ("logistics-park", "花桥物流园法律援助联络点", "Huaqiao Logistics Park"),
        ("service-outsourcing", "服务外包园法律援助联络点", "Service Outsourcing Park"),
    ],
    "dianshanhu": [
        ("industrial-park", "淀山湖工业园法律援助联络点", "Dianshanhu Industrial Park"),
        ("xiaodunhu", "晓淀社区法律援助联络点", "Xiaodian Community"),
    ],
    "zhouzhuang": [("industrial-park", "周庄工业园法律援助联络点", "Zhouzhuang Industrial Park")],
    "jinxi": [("community", "锦溪社区法律援助联络点", "Jinxi Community")],
}


def seed(apps, schema_editor):
    Town = apps.get_model("residents", "Town")
    Station = apps.get_model("legal_aid", "Station")
    DeadlineRule = apps.get_model("legal_aid", "DeadlineRule")
    towns = {town.code: town for town in Town.objects.all()}
    parents = {}
    for kind, rows in (("town", TOWN_STATIONS), ("institution", INSTITUTION_STATIONS)):
        for code, zh, en, town in rows:
            parents[code], _ = Station.objects.update_or_create(
                code=code, defaults={"name_zh": zh, "name_en": en, "town": towns[town], "kind": kind}
            )
    for parent_code, subs in SUB_STATIONS.items():
        parent = parents[parent_code]
        for suffix, zh, en in subs:
            Station.objects.update_or_create(
                code=f"{parent_code}-{suffix}",
                defaults={
                    "name_zh": f"{parent.name_zh.removesuffix('法律援助工作站')}{zh}",
                    "name_en": f"{en} Legal Aid Point ({parent.name_en.removesuffix(' Legal Aid Station')})",
                    "town": parent.town,
                    "kind": "sub",
                    "parent": parent,
                },
            )
    DeadlineRule.objects.get_or_create(
        step="examination", effective_from=datetime.date(2000, 1, 1), defaults={"working_days": 3}
    )


class Migration(migrations.Migration):
    dependencies = [("legal_aid", "0001_initial"), ("residents", "0002_seed_reference_data")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS legal_aid_case_reference_seq START 1",
            "DROP SEQUENCE IF EXISTS legal_aid_case_reference_seq",
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
