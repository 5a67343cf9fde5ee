"""Usernames that are, or contain, an ID number (``S`` + ID for the national OUC, the bare ID
number for Guangdong's and Zhejiang's imported and window-opened learners).

Such a username is never stored in clear: ``account.username`` keeps it masked
(``S1101**********6068``, what every page shows anyway) and ``account.username_hash`` keeps
its keyed hash (HMAC, unique per tenant), by which login and activation find it. Every other
username is stored as it is, with no hash. One rule decides which is which, at sign-up and at
login alike: a username holding a run of 15 or more digits (an 18-character ID number, its
15-digit predecessor, or an ID number run together with other digits by a province's
template) is protected; the run is what is masked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from piccolo.columns.combination import And, Where

from core.accounts.identity import mask_id_number
from core.accounts.tables import Account
from core.security.pii import PiiProtector

HASH_LABEL = "username|"  # its own domain: a username's hash never equals an ID number's hash
_RUN = re.compile(r"[0-9]{17}[Xx]|[0-9]{15,}")


def _canonical(username: str) -> str:
    # The ID number's check character is written "X"; a learner may type "x".
    return _RUN.sub(lambda m: m.group(0).upper(), username.strip())


def is_protected(username: str) -> bool:
    return bool(_RUN.search(username))


def mask(username: str) -> str:
    """``username`` as pages show it and the table stores it: every digit run masked as an ID
    number is (``S1101**********6068``)."""
    return _RUN.sub(lambda m: mask_id_number(m.group(0)), username)


def protect(pii: PiiProtector, username: str) -> tuple[str, str | None]:
    """``(stored username, username_hash)`` for a new account: the masked form and its hash
    when ``username`` contains an ID number, else ``(username, None)``."""
    username = _canonical(username)
    if not is_protected(username):
        return username, None
    return mask(username), pii.lookup_hash(HASH_LABEL + username)


def protect_many(pii: PiiProtector, usernames: Sequence[str]) -> tuple[list[str], list[str | None]]:
    """``protect`` for a batch (the learner import): ``(stored usernames, hashes)``."""
    canonical = [_canonical(u) for u in usernames]
    flags = [is_protected(u) for u in canonical]
    hashes = iter(pii.lookup_hashes([HASH_LABEL + u for u, f in zip(canonical, flags) if f]))
    return ([mask(u) if f else u for u, f in zip(canonical, flags)],
            [next(hashes) if f else None for f in flags])


def username_is(pii: PiiProtector, typed: str) -> Where | And:
    """The condition that finds the account whose username is ``typed``: by keyed hash when
    it contains an ID number, else by the stored value — never a protected account by its
    masked form (``S1101**********6068`` typed in finds nothing)."""
    stored, digest = protect(pii, typed)
    if digest is not None:
        return Account.username_hash == digest
    return (Account.username == stored) & Account.username_hash.is_null()
