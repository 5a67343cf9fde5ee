"""What the notification API takes."""

from __future__ import annotations

from typing import Annotated

import msgspec


class TemplateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    subject: Annotated[str, msgspec.Meta(max_length=300)] = ""
    body: Annotated[str, msgspec.Meta(max_length=2000)]
