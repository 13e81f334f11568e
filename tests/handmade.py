"""Hand-made chats for edge cases: a generic CSV export written from tuples and ingested through
the normal pipeline (with a column mapping), and a members.csv declaring roles."""

from __future__ import annotations

import csv
from pathlib import Path

from dashboard.core.ingest.pipeline import ingest_file

CSV_MAP = {"time": "time", "sender": "sender", "sender_id": "sender_id", "text": "text", "kind": "kind",
           "msg_id": "msg_id", "reply_to": "reply_to", "platform": "wechat"}
CSV_HEADER = ("time", "sender", "sender_id", "text", "kind", "msg_id", "reply_to")


def write_chat(path: Path, records: list[tuple], ids: str = "x") -> Path:
    """A generic CSV of (local time, sender, wxid, text[, kind[, reply_to]]); no sender = a system row.
    The n-th record's message id is f"{ids}{n}" (ids of one chat must not repeat across its exports)."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_HEADER)
        for i, (time, sender, wxid, text, *rest) in enumerate(records, start=1):
            kind = rest[0] if rest else ("system" if not sender else "text")
            reply_to = rest[1] if len(rest) > 1 else ""
            w.writerow((time, sender, wxid, text, kind, f"{ids}{i}", reply_to))
    return path


def ingest_chat(db: Path, folder: Path, file_name: str, chat: str, records: list[tuple], ids: str = "x") -> None:
    ingest_file(write_chat(folder / file_name, records, ids), db, chat_name=chat, mapping=CSV_MAP)


def declare(db: Path, folder: Path, lines: list[str]) -> None:
    """A members.csv (the owner's notes) declaring roles: chat, wxid, nickname, role, …"""
    f = folder / "members.csv"
    f.write_text("群,微信号,群昵称,角色,领域,会员号,手机尾号,是否小号,备注\n" + "".join(f"{x}\n" for x in lines),
                 encoding="utf-8")
    ingest_file(f, db)
