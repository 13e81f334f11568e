"""Stable ids for chats and members: one definition, used by the staging SQL and by Python."""

from __future__ import annotations

import hashlib

ID_CHARS = 11  # md5 hex characters after the one-letter prefix


def sql_macros(platform: str) -> list[str]:
    """`chat_id_of(key)` and `member_id_of(key)` for a staging database."""
    return [
        f"create macro chat_id_of(k) as 'c' || md5('{platform}|' || k)[1:{ID_CHARS}]",
        f"create macro member_id_of(k) as 'm' || md5('{platform}|' || k)[1:{ID_CHARS}]",
    ]


def _hash(platform: str, key: str) -> str:
    return hashlib.md5(f"{platform}|{key}".encode()).hexdigest()[:ID_CHARS]


def chat_id(platform: str, key: str) -> str:
    return "c" + _hash(platform, key)


def member_id(platform: str, key: str) -> str:
    return "m" + _hash(platform, key)


def name_key(chat_key: str, name: str) -> str:
    """The key of a person known only by a name in one chat."""
    return f"name:{chat_key}:{name}"
