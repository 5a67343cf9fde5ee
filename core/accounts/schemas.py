"""Accounts at the HTTP boundary."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from core.paging import Page

Purpose = Literal["activation", "register", "reset"]
Channel = Literal["sms", "email"]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class CodeRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    purpose: Purpose
    channel: Channel
    id_number: str | None = None
    username: str | None = None
    phone: str | None = None
    email: str | None = None


class CodeSent(msgspec.Struct):
    sent_to: str


class ActivationLookup(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id_number: str | None = None
    username: str | None = None


class ActivationDetails(msgspec.Struct, kw_only=True):
    """What a learner sees to confirm it is their account before activating it."""

    username: str
    real_name: str  # masked: 张*
    id_number_masked: str
    unit_name: str
    phone_masked: str
    email_masked: str
    channels: list[str]
    email_wanted: bool = False  # the learner gives a working e-mail to bind here (national OUC)


class ActivateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id_number: str | None = None
    username: str | None = None
    code: str
    password: Password
    channel: Channel | None = None
    email: str | None = None  # the national OUC asks for a working e-mail at activation


class LoginIn(msgspec.Struct, kw_only=True):
    username: str
    password: Password


class RoleOut(msgspec.Struct):
    role: str
    unit_code: str


class AccountOut(msgspec.Struct, kw_only=True):
    id: int
    username: str
    kind: str
    status: str
    real_name: str
    id_number_masked: str
    phone_masked: str = ""
    email_masked: str = ""
    unit_code: str | None = None
    source: str = ""
    roles: list[RoleOut] = []


class LoginOut(msgspec.Struct):
    access_token: str
    token_type: str
    account: AccountOut


class PasswordChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    old_password: Password
    new_password: Password


class PasswordReset(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    id_number: str | None = None
    username: str | None = None
    channel: Channel = "sms"
    code: str
    new_password: Password


class WindowOpening(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A learner's account opened at a service window, after staff checked the identity card."""

    real_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    id_number: str
    phone: str | None = None
    email: str | None = None
    unit_code: str | None = None  # defaults to the opening staff member's unit
    gender: str = ""
    ethnicity: str = ""
    address: str = ""
    identity_checked: bool  # staff confirm they saw the original ID card


class StaffInvite(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    real_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    role: Literal["tenant_admin", "unit_admin", "committee"]
    phone: str | None = None
    email: str | None = None
    username: str | None = None


class StaffInvited(msgspec.Struct):
    id: int
    username: str
    status: str
    sent_to: str


class AccountDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: Literal["approve", "reject"]
    opinion: Annotated[str, msgspec.Meta(max_length=500)] = ""


AccountPage = Page[AccountOut]


class FullIdNumber(msgspec.Struct):
    id_number: str
    audit_id: int


class VerifyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    code: str


class IdScanOut(msgspec.Struct):
    id_scan: str


class RevealIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)]


class DisableIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)]
