"""Resident Identity Card numbers (GB 11643) and Unified Social Credit Codes (GB 32100).

Pure helpers over python-stdnum: validate with a message a person understands, and read the birth
date, gender and home province that the number carries.
"""

from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

# Province-level region codes (the first two digits) with Chinese and English names.
PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("北京", "Beijing"),
    "12": ("天津", "Tianjin"),
    "13": ("河北", "Hebei"),
    "14": ("山西", "Shanxi"),
    "15": ("内蒙古", "Inner Mongolia"),
    "21": ("辽宁", "Liaoning"),
    "22": ("吉林", "Jilin"),
    "23": ("黑龙江", "Heilongjiang"),
    "31": ("上海", "Shanghai"),
    "32": ("江苏", "Jiangsu"),
    "33": ("浙江", "Zhejiang"),
    "34": ("安徽", "Anhui"),
    "35": ("福建", "Fujian"),
    "36": ("江西", "Jiangxi"),
    "37": ("山东", "Shandong"),
    "41": ("河南", "Henan"),
    "42": ("湖北", "Hubei"),
    "43": ("湖南", "Hunan"),
    "44": ("广东", "Guangdong"),
    "45": ("广西", "Guangxi"),
    "46": ("海南", "Hainan"),
    "50": ("重庆", "Chongqing"),
    "51": ("四川", "Sichuan"),
    "52": ("贵州", "Guizhou"),
    "53": ("云南", "Yunnan"),
    "54": ("西藏", "Tibet"),
    "61": ("陕西", "Shaanxi"),
    "62": ("甘肃", "Gansu"),
    "63": ("青海", "Qinghai"),
    "64": ("宁夏", "Ningxia"),
    "65": ("新疆", "Xinjiang"),
    "71": ("台湾", "Taiwan"),
    "81": ("香港", "Hong Kong"),
    "82": ("澳门", "Macao"),
}


class IdNumberError(ValueError):
    """The number is not a valid identity number; ``reason`` says which part is wrong."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "length", "format", "checksum", "birth_date", "region"


@dataclass(frozen=True)
class IdCardFacts:
    number: str  # 18 characters, the check character upper-case
    birth_date: date
    gender: str  # "male" or "female" (17th digit odd: male)
    region_code: str  # six digits: the county of registration
    province_code: str  # two digits


def parse_id_number(value: str) -> IdCardFacts:
    """Validate an 18-character identity number and return what it says about its holder."""
    number = ric.compact(value or "").upper()
    try:
        ric.validate(number)
    except InvalidLength as exc:
        raise IdNumberError("length") from exc
    except InvalidChecksum as exc:
        raise IdNumberError("checksum") from exc
    except InvalidFormat as exc:
        raise IdNumberError("format") from exc
    except (InvalidComponent, KeyError) as exc:
        # stdnum raises KeyError for a province code without counties: an unknown region all the same
        try:
            ric.get_birth_date(number)
        except ValidationError:
            raise IdNumberError("birth_date") from exc
        raise IdNumberError("region") from exc
    if number[:2] not in PROVINCES:
        raise IdNumberError("region")
    return IdCardFacts(
        number=number,
        birth_date=ric.get_birth_date(number),
        gender="male" if int(number[16]) % 2 else "female",
        region_code=number[:6],
        province_code=number[:2],
    )


def make_id_number(region_code: str, birth_date: date, sequence: int) -> str:
    """A valid number for demo data: region, birth date, three-digit sequence, check character."""
    body = f"{region_code}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check character


def validate_uscc(value: str) -> str:
    """Validate a Unified Social Credit Code; returns it compacted, raises ValueError with a reason."""
    code = uscc.compact(value or "").upper()
    try:
        return uscc.validate(code)
    except InvalidLength as exc:
        raise ValueError("length") from exc
    except InvalidChecksum as exc:
        raise ValueError("checksum") from exc
    except ValidationError as exc:
        raise ValueError("format") from exc


def make_uscc(body17: str) -> str:
    """A valid credit code from its first 17 characters (demo data)."""
    return body17 + uscc.calc_check_digit(body17)
