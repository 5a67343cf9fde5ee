"""Checking a new password against the province's policy, and estimating its strength."""

from __future__ import annotations

import string

from core.errors import DomainError
from core.province import PasswordPolicy

_SYMBOLS = set(string.punctuation)


class PasswordPolicyError(DomainError):
    pass


def _classes(password: str) -> int:
    return sum((
        any(c.isalpha() and c.isascii() for c in password),
        any(c.isdigit() for c in password),
        any(c in _SYMBOLS for c in password),
    ))


def check_password(policy: PasswordPolicy, password: str, *, personal: tuple[str, ...] = ()) -> None:
    """Raise ``PasswordPolicyError`` (400) saying what is wrong with ``password``.

    ``personal`` holds the account's identifiers: a password equal to one of them, or to the
    tail of the ID number (the seeds' old initial password), is refused.
    """
    if not policy.min_length <= len(password) <= policy.max_length:
        raise PasswordPolicyError(f"密码长度应为 {policy.min_length}–{policy.max_length} 位。{policy.description}")
    if any(not (c.isascii() and (c.isalnum() or c in _SYMBOLS)) for c in password):
        raise PasswordPolicyError(f"密码只能包含字母、数字或特殊符号。{policy.description}")
    if _classes(password) < policy.min_classes:
        raise PasswordPolicyError(f"密码过于简单，至少需要字母、数字、符号中的 {policy.min_classes} 类。{policy.description}")
    lowered = password.lower()
    for value in personal:
        if value and (lowered == value.lower() or (len(value) >= 6 and lowered == value[-6:].lower())):
            raise PasswordPolicyError("密码不能与用户名、证件号码或其后六位相同")
    if len(set(password)) <= 2:
        raise PasswordPolicyError("密码过于简单，请勿使用重复字符")


def strength(password: str) -> str:
    """``弱`` / ``中`` / ``强``, as the Guangdong manual's meter shows it."""
    score = _classes(password) + (len(password) >= 10) + (len(password) >= 14)
    return "弱" if score <= 1 else "中" if score <= 3 else "强"
