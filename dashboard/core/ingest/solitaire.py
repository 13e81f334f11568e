"""接龙 (group solitaire) lists: every version re-posts the whole list, so versions are merged.

A list is identified by its chat and topic (the lines after `#接龙` up to the first blank line or
numbered line). An entry's sign-up time is the first version holding its line; new lines in a
version belong to that version's poster when there is one new line or the line names them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

ENTRY = re.compile(r"^\s*(\d{1,3})[.．、]\s*(.+?)\s*$")
HEADERS = ("#接龙", "#Group Note")


def parse_list(text: str) -> tuple[str, list[tuple[int, str]]] | None:
    """(topic, [(position, entry text)]) of one version, or None when it is not a list."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or not lines[0].strip().startswith(HEADERS):
        return None
    first = lines[0].strip()
    for h in HEADERS:
        first = first.removeprefix(h)
    topic_lines = [first.strip()] if first.strip() else []
    entries: list[tuple[int, str]] = []
    in_topic = True
    for line in lines[1:]:
        m = ENTRY.match(line)
        if m:
            in_topic = False
            entries.append((int(m.group(1)), m.group(2)))
        elif not line.strip():
            if topic_lines:
                in_topic = False
        elif in_topic and not line.strip().startswith("例"):
            topic_lines.append(line.strip())
    topic = " ".join(topic_lines) or "接龙"
    return topic, entries


def entry_name(entry: str) -> str:
    """The name part of an entry line: `王五 带1人` → 王五."""
    return re.split(r"[\s,，(（+＋]", entry.strip(), maxsplit=1)[0]


def merge_versions(
    rows: list[tuple],
    names: dict[tuple[str, str], str],
    name_key: Callable[[str, str], str],
) -> tuple[list[tuple], list[tuple]]:
    """rows: (msg_id, chat_id, chat_key, ts, member_key, sender_name, text) in time order."""
    lists: dict[str, list] = {}
    entries: dict[tuple[str, str], list] = {}
    for msg_id, chat_id, chat_key, ts, member_key, sender_name, text in rows:
        parsed = parse_list(text)
        if parsed is None:
            continue
        topic, items = parsed
        sid = hashlib.md5(f"{chat_id}|{topic}".encode()).hexdigest()[:16]
        if sid not in lists:
            lists[sid] = [sid, chat_id, topic, ts, ts, 0, msg_id]
        rec = lists[sid]
        rec[4] = ts
        rec[5] += 1
        new = [(pos, e) for pos, e in items if (sid, e) not in entries]
        for pos, e in items:
            if (sid, e) in entries:
                entries[(sid, e)][1] = pos
        for pos, e in new:
            nm = entry_name(e)
            if member_key and (len(new) == 1 or nm == sender_name):
                who = member_key
            else:
                who = names.get((chat_key, nm)) or name_key(chat_key, nm)
            entries[(sid, e)] = [sid, pos, who, nm, e, ts, msg_id]
    return [tuple(v) for v in lists.values()], [tuple(v) for v in entries.values()]
