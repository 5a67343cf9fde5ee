"""Synthetic learner files for the import benchmark and tests: valid, unique ID numbers with
correct GB 11643 check digits, spread over the unit codes given."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

from core.accounts.identity import check_digit

HEADERS_ZH = ["姓名", "证件号码", "手机号码", "电子邮箱", "所属单位", "性别", "民族", "出生日期", "联系地址"]
HEADERS_EN = ["real_name", "id_number", "phone", "email", "unit_code", "gender", "ethnicity", "birth_date", "address"]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬浩宇轩然子涵欣怡梓晨雨思佳一诺博文嘉俊"
_ETHNIC = ["汉族"] * 18 + ["回族", "畲族"]
_CITIES = ["杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市", "舟山市", "台州市", "丽水市"]

_REGIONS = [f"33{city:02d}{district:02d}" for city in range(1, 12) for district in range(2, 31)]
_EPOCH = date(1960, 1, 1)
_DAYS = 45 * 365
_CAPACITY = len(_REGIONS) * _DAYS * 1000
_STRIDE = 7919  # a prime that divides no factor of _CAPACITY, so i -> i * _STRIDE is a permutation


def id_number(i: int) -> str:
    """The ``i``-th of a sequence of distinct valid ID numbers (``0 <= i < ~5.2e9``)."""
    j = (i * _STRIDE + 12345) % _CAPACITY
    region, j = _REGIONS[j % len(_REGIONS)], j // len(_REGIONS)
    born, seq = _EPOCH + timedelta(days=j % _DAYS), j // _DAYS
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def learner_rows(n: int, unit_codes: Sequence[str], seed: int = 1, start: int = 0) -> Iterator[list[str]]:
    """``n`` valid learner rows in the order of ``HEADERS_ZH``."""
    rnd = random.Random(seed)
    choice, randrange = rnd.choice, rnd.randrange
    for i in range(start, start + n):
        number = id_number(i)
        name = choice(_SURNAMES) + choice(_GIVEN) + (choice(_GIVEN) if i % 3 else "")
        email = f"learner{i}@example.com" if i % 2 else ""
        born = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
        gender = "男" if int(number[16]) % 2 else "女"
        address = f"浙江省{choice(_CITIES)}学院路 {randrange(1, 999)} 号"
        yield [name, number, f"1{randrange(3, 10)}{randrange(10**9):09d}", email, choice(unit_codes),
               gender, choice(_ETHNIC), born, address]


def write_learners_csv(path: Path, n: int, unit_codes: Sequence[str], *, seed: int = 1,
                       headers: Sequence[str] = HEADERS_ZH, bom: bool = True) -> Path:
    """Write ``n`` valid learners as CSV (UTF-8, with a BOM as Excel saves it by default)."""
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(learner_rows(n, unit_codes, seed))
    return path
