"""Checking the values of taxonomy fields (catalog entries and achievements share them)."""

from __future__ import annotations

import re
from datetime import date

from core.errors import DomainError
from core.province import Field


class FieldError(DomainError):
    pass


def field_error(field: str, message: str, status: int = 400) -> FieldError:
    return FieldError(message, status, extra={"field": field})


def check_value(field: Field, raw: object) -> str | int | float | None:
    """The value of ``field`` normalised (dates as ``YYYY-MM-DD``), None when empty; a
    ``FieldError`` naming the field when it has the wrong type or is missing."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if field.required:
            raise field_error(field.name, f"请填写{field.label}")
        return None
    if isinstance(raw, (dict, list, bool)):
        raise field_error(field.name, f"{field.label}的值无效")
    text = str(raw).strip()
    if field.type == "date":
        try:
            value = date.fromisoformat(text.replace("/", "-")[:10])
        except ValueError:
            raise field_error(field.name, f"{field.label}应为日期（YYYY-MM-DD）") from None
        if value > date.today():
            raise field_error(field.name, f"{field.label}不能晚于今天")
        return value.isoformat()
    if field.type == "integer":
        if not re.fullmatch(r"-?\d+", text):
            raise field_error(field.name, f"{field.label}应为整数")
        return int(text)
    if field.type == "number":
        try:
            return float(text)
        except ValueError:
            raise field_error(field.name, f"{field.label}应为数字") from None
    if field.type == "select" and field.options and text not in field.options:
        raise field_error(field.name, f"{field.label}应为以下之一：{'、'.join(field.options)}")
    if len(text) > (2000 if field.type == "textarea" else 200):
        raise field_error(field.name, f"{field.label}过长")
    return text
