"""Checks and masks for personal identifiers: resident ID numbers (GB 11643-1999), mobile
phone numbers and e-mail addresses."""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[1-9]\d{16}[\dX]$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


class IdentityError(ValueError):
    pass


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def normalize_id_number(value: str) -> str:
    return value.strip().upper()


def id_birth_date(id_number: str) -> date:
    """The birth date encoded in a valid 18-digit ID number."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """The normalised ID number, or ``IdentityError`` saying what is wrong with it."""
    number = normalize_id_number(value)
    if not _ID_RE.match(number):
        raise IdentityError("证件号码应为 18 位，前 17 位为数字，最后一位为数字或 X")
    try:
        born = id_birth_date(number)
    except ValueError:
        raise IdentityError("证件号码中的出生日期无效") from None
    if born > (today or date.today()):
        raise IdentityError("证件号码中的出生日期在未来")
    if born.year < 1900:
        raise IdentityError("证件号码中的出生日期无效")
    if check_digit(number[:17]) != number[17]:
        raise IdentityError("证件号码校验位错误，请核对")
    return number


def mask_id_number(number: str) -> str:
    """``4401**********1234``: the region's first four digits and the last four."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def validate_phone(value: str) -> str:
    phone = re.sub(r"[\s-]", "", value)
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE_RE.match(phone):
        raise IdentityError("手机号码格式不正确（应为 11 位中国大陆手机号）")
    return phone


def validate_email(value: str) -> str:
    email = value.strip()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise IdentityError("电子邮箱格式不正确")
    return email.lower()


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "*" * len(phone)


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return (name[:1] + "***" + (name[-1:] if len(name) > 2 else "")) + "@" + domain


_ID_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


def mask_id_numbers_in(text: str) -> str:
    """``text`` with any ID number in it masked — usernames such as ``S`` + ID number
    (national OUC) or the bare ID number (Guangdong, Zhejiang) are shown this way."""
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
