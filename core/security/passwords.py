"""Password hashing with argon2id at OWASP's minimum (19 MiB, t=2, p=1).

Hashing takes ~30 ms of CPU, so the async helpers run it in a worker thread.
"""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password)


# Verified against when there is no hash (unknown user, account without a password), so a
# wrong username takes as long as a wrong password and reveals nothing.
_DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$cZCASVfsR3LXMcjYE1dMVw$kaEfLFOZ6ylRMtU9Qf2oCxjrCaCWHFWqZQ2sDtDZKu4"


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    ok = await anyio.to_thread.run_sync(verify_password, password_hash or _DUMMY_HASH, password)
    return ok and password_hash is not None
