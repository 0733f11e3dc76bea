"""Chinese names, geography, PRC resident ID numbers and phone numbers in raw export forms.

Everything is vectorised over numpy arrays so a million customers take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
# Rough frequency weights: the first surnames are far more common (王, 李, 张 ≈ 7% each).
_SURNAME_W = np.array([1.0 / (i + 3) ** 0.9 for i in range(len(SURNAMES))])
SURNAME_P = _SURNAME_W / _SURNAME_W.sum()
GIVEN_M = list("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志文")
GIVEN_F = list("芳娜敏静丽艳娟霞秀英燕玲桂兰萍红梅琳雪婷倩颖洁佳琪慧莹晶月欣怡悦璐")


@dataclass(frozen=True)
class County:
    code: str  # 6-digit administrative division code (the first 6 digits of an ID number)
    name: str
    center_id: str


@dataclass(frozen=True)
class City:
    code: str
    name: str
    center_id: str
    area_code: str  # landline area code, e.g. "020"
    counties: tuple[County, ...]


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    center_id: str
    cities: tuple[City, ...]


def _city(pid: str, code: str, name: str, cid: str, area: str, counties: str) -> City:
    parts = []
    for item in counties.split(";"):
        ccode, cname, short = item.split(",")
        parts.append(County(ccode, cname, f"{pid}-{cid}-{short}"))
    return City(code, name, f"{pid}-{cid}", area, tuple(parts))


GEOGRAPHY: tuple[Province, ...] = (
    Province(
        "440000",
        "广东省",
        "GD",
        (
            _city("GD", "440100", "广州市", "GZ", "020", "440106,天河区,TH;440104,越秀区,YX;440105,海珠区,HZ"),
            _city("GD", "440300", "深圳市", "SZ", "0755", "440304,福田区,FT;440305,南山区,NS"),
        ),
    ),
    Province(
        "330000",
        "浙江省",
        "ZJ",
        (
            _city("ZJ", "330100", "杭州市", "HZ", "0571", "330106,西湖区,XH;330110,余杭区,YH"),
            _city("ZJ", "330200", "宁波市", "NB", "0574", "330203,海曙区,HS"),
        ),
    ),
    Province(
        "510000",
        "四川省",
        "SC",
        (_city("SC", "510100", "成都市", "CD", "028", "510107,武侯区,WH;510104,锦江区,JJ"),),
    ),
    Province(
        "320000",
        "江苏省",
        "JS",
        (
            _city("JS", "320100", "南京市", "NJ", "025", "320102,玄武区,XW"),
            _city("JS", "320500", "苏州市", "SU", "0512", "320508,姑苏区,GS"),
        ),
    ),
    Province(
        "420000",
        "湖北省",
        "HB",
        (_city("HB", "420100", "武汉市", "WH", "027", "420106,武昌区,WC"),),
    ),
)

ALL_CITIES: tuple[tuple[Province, City], ...] = tuple(
    (p, c) for p in GEOGRAPHY for c in p.cities
)
# Customers concentrate in the big cities.
CITY_WEIGHTS = np.array([0.22, 0.16, 0.13, 0.06, 0.14, 0.09, 0.07, 0.13])
CITY_WEIGHTS = CITY_WEIGHTS / CITY_WEIGHTS.sum()

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"))
MOBILE_PREFIXES = np.array(
    ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "158",
     "159", "166", "177", "180", "182", "186", "187", "188", "189", "199"]
)


def id_check_digit(first17: str) -> str:
    """GB 11643 check character for the first 17 digits of a resident ID number."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return str(ID_CHECK[total % 11])


def chinese_names(rng: np.random.Generator, genders: np.ndarray) -> np.ndarray:
    """Names like 王伟 / 李秀英 (one or two given characters) for an array of "M"/"F"."""
    n = len(genders)
    sur = np.array(SURNAMES)[rng.choice(len(SURNAMES), n, p=SURNAME_P)]
    male = genders == "M"
    g1 = np.where(male, np.array(GIVEN_M)[rng.integers(0, len(GIVEN_M), n)],
                  np.array(GIVEN_F)[rng.integers(0, len(GIVEN_F), n)])
    g2 = np.where(male, np.array(GIVEN_M)[rng.integers(0, len(GIVEN_M), n)],
                  np.array(GIVEN_F)[rng.integers(0, len(GIVEN_F), n)])
    two = rng.random(n) < 0.6
    given = np.where(two, np.char.add(g1, g2), g1)
    return np.char.add(sur, given)


def id_numbers(
    rng: np.random.Generator, county_codes: np.ndarray, birth: np.ndarray, genders: np.ndarray
) -> np.ndarray:
    """18-character PRC resident IDs: area code, birth date, sequence (odd = male), check digit.

    ``birth`` is a ``datetime64[D]`` array.
    """
    n = len(county_codes)
    seq = rng.integers(0, 500, n) * 2 + np.where(genders == "M", 1, 0)
    seq = np.clip(seq, 0, 999)
    ymd = np.datetime_as_string(birth, unit="D")
    ymd = np.char.replace(ymd, "-", "")
    first17 = np.char.add(np.char.add(county_codes.astype("U6"), ymd), np.char.zfill(seq.astype("U3"), 3))
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    check = ID_CHECK[(digits.astype(np.int64) @ ID_WEIGHTS) % 11]
    return np.char.add(first17, check)


def mobile_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct-enough 11-digit Chinese mobile numbers (national form)."""
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)]
    rest = np.char.zfill(rng.integers(0, 100_000_000, n).astype("U8"), 8)
    return np.char.add(prefix, rest)


def landline_numbers(rng: np.random.Generator, area_codes: np.ndarray) -> np.ndarray:
    """Local numbers with their area code, national form without separator (02087654321)."""
    n = len(area_codes)
    local = (rng.integers(2, 9, n) * 10_000_000 + rng.integers(0, 10_000_000, n)).astype("U8")
    # 4-digit area codes (0755) have 8-digit locals too; keep 8 digits everywhere.
    return np.char.add(area_codes.astype("U4"), local)


def raw_phone_forms(rng: np.random.Generator, national: np.ndarray, area_len: np.ndarray,
                    weights: tuple[float, ...] = (0.55, 0.15, 0.05, 0.15, 0.06, 0.04)) -> np.ndarray:
    """The forms real exports carry: mobiles as 13812345678 / +8613812345678 / 008613812345678,
    landlines as 020-87654321 / 02087654321 / 020-87654321-8001 / 02087654321 ext 8001.

    ``area_len`` is the landline area-code length (3 or 4) or 0 for a mobile.
    """
    n = len(national)
    out = national.astype(object).copy()
    form = rng.choice(len(weights), n, p=np.array(weights) / sum(weights))
    mobile = area_len == 0
    ext = np.char.add("80", np.char.zfill(rng.integers(0, 100, n).astype("U2"), 2))
    for i in np.flatnonzero(mobile):
        f = form[i]
        if f == 1 or f == 4:
            out[i] = "+86" + national[i]
        elif f == 2:
            out[i] = "0086" + national[i]
    for i in np.flatnonzero(~mobile):
        f, a, num = form[i], area_len[i], national[i]
        if f in (0, 3):
            out[i] = f"{num[:a]}-{num[a:]}"
        elif f == 4:
            out[i] = f"{num[:a]}-{num[a:]}-{ext[i]}"
        elif f == 5:
            out[i] = f"{num} ext {ext[i]}"
    return out.astype(str)


def e164(national: str) -> str:
    """E.164 of a national-form Chinese number (mobile or landline with leading 0)."""
    return "+86" + (national[1:] if national.startswith("0") else national)
