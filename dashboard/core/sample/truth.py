"""truth.json: every planted fact of the story with its exact value, computed from the simulated
messages themselves (not from the ingest), so tests compare two independent computations."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

from dashboard.core.sample.cast import Person
from dashboard.core.sample.records import Records
from dashboard.core.sample.story import TZ, Chat, Msg, Story

INACTIVE = ("system", "recall")  # the same rule as queries/views/message_facts.sql


def iso(ts: int | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, TZ).isoformat()


def who(p: Person, chat: Chat | None = None) -> dict:
    out = {"name": p.name, "wxid": p.wxid or None}
    if chat is not None:  # the key this chat's export identifies the person by
        out["export_key"] = p.name if chat.fmt == "memotrace2" else p.wxid
    return out


def active(m: Msg) -> bool:
    return (m.kind not in INACTIVE and m.sender is not None) or m.kind == "pat"


def speaker(m: Msg) -> Person | None:
    if m.kind == "pat":
        return m.system[1]
    return m.sender if m.system is None else None


def seen_in_export(chat: Chat) -> set[int]:
    """People the export itself shows: senders, people named in system rows, @mentions, 接龙 entries."""
    pids: set[int] = set()
    for m in chat.msgs:
        if m.sender is not None:
            pids.add(m.sender.pid)
        for p in m.mentions:
            pids.add(p.pid)
        if m.system is not None:
            for x in m.system[1:]:
                for p in x if isinstance(x, list) else [x]:
                    pids.add(p.pid)
    return pids


def cold_start_end(chat: Chat, organic_pids: set[int]) -> dict | None:
    """docs/metrics.md §3.1: the first day d such that the 7-day windows starting at d and d+7 both have
    organic speakers >= max(5, ceil(5% of members)) and an organic share of active messages >= 50%."""
    if chat.created is None:
        return None
    day0 = dt.datetime.fromtimestamp(chat.created, TZ).date()
    by_day: dict[dt.date, list[Msg]] = {}
    for m in chat.msgs:
        if active(m):
            by_day.setdefault(dt.datetime.fromtimestamp(m.ts, TZ).date(), []).append(m)
    joined = sorted(m.joined for m in chat.members if m.joined is not None)

    def window_ok(first: dt.date) -> bool:
        msgs = [m for i in range(7) for m in by_day.get(first + dt.timedelta(days=i), [])]
        if not msgs:
            return False
        organic = [m for m in msgs if speaker(m).pid in organic_pids]
        end_ts = int(dt.datetime.combine(first + dt.timedelta(days=7), dt.time(), TZ).timestamp())
        members = sum(1 for j in joined if j < end_ts)
        need = max(5, math.ceil(0.05 * members))
        return len({speaker(m).pid for m in organic}) >= need and len(organic) / len(msgs) >= 0.5

    last = max(by_day)
    d = day0
    while d + dt.timedelta(days=13) <= last:
        if window_ok(d) and window_ok(d + dt.timedelta(days=7)):
            return {"date": d.isoformat(), "day": (d - day0).days}
        d += dt.timedelta(days=1)
    return None


def chat_truth(chat: Chat, files: list[str], fmt: str, story: Story) -> dict:
    organic = {p.pid for p in story.cast.everyone if p.organic}
    kinds = Counter(m.kind for m in chat.msgs)
    joins = Counter(m.method for m in chat.members if m.joined is not None and m.method != "creator")
    speakers = {speaker(m).pid for m in chat.msgs if active(m)}
    seen = seen_in_export(chat)
    return {
        "name": chat.name,
        "platform_key": chat.key,
        "files": files,
        "format": fmt,
        "identifies_people_by": "name" if chat.fmt == "memotrace2" else "wxid",
        "created_at": iso(chat.created),
        "messages": len(chat.msgs),
        "messages_by_kind": dict(sorted(kinds.items())),
        "active_messages": sum(1 for m in chat.msgs if active(m)),
        "members": len(chat.members),
        "members_seen_in_export": len(seen),
        "speakers": len(speakers),
        "organic_speakers": len(speakers & organic),
        "joins_by_method": dict(sorted(joins.items())),
        "removals": sum(1 for m in chat.members if m.removed is not None),
        "cold_start_end": cold_start_end(chat, organic),
    }


def _generations(chat: Chat) -> tuple[list[dict], dict[str, int]]:
    """docs/metrics.md §6.1: the owner and members with no known inviter are roots (generation 0)."""
    inviter = {m.person.pid: m.inviter for m in chat.members if m.joined is not None}
    gen: dict[int, int] = {}

    def g(p: Person) -> int:
        if p.pid not in gen:
            up = inviter.get(p.pid)
            gen[p.pid] = 0 if up is None or p.role == "owner" else g(up) + 1
        return gen[p.pid]

    edges = []
    for m in sorted((m for m in chat.members if m.joined is not None and m.inviter is not None),
                    key=lambda m: (m.joined, m.person.pid)):
        edges.append({"chat": chat.name, "inviter": who(m.inviter, chat), "invitee": who(m.person, chat),
                      "at": iso(m.joined), "method": m.method, "generation": g(m.person)})
    counts = Counter(g(m.person) for m in chat.members)
    return edges, {str(k): v for k, v in sorted(counts.items())}


def _visit_effect(ev: dict, records: Records) -> dict:
    """The planted effect; in calibration mode also in the unit the verdict reads: the visit-days
    the halo added over days 1–7, summed over the signed-up customers the owner linked (declared
    in members.csv), who are the DiD's signed-up group."""
    out = records.event_effects[ev["id"]]
    if not records.calibrated:
        return out  # the committed sample's truth stays byte for byte as it was
    extra = records.extra_visit_days[ev["id"]]
    linked = sorted({p.customer_id for p in ev["signers"] if p.role == "customer" and p.customer_id and p.declared})
    total = sum(extra[c] for c in linked)
    return {**out, "planted_extra_visit_days": sum(extra.values()), "linked_signed_up_customers": len(linked),
            "planted_extra_visit_days_linked": total,
            "planted_extra_visit_days_per_linked_signed_up": round(total / len(linked), 6) if linked else None}


def build_truth(story: Story, records: Records, files: dict[str, list[str]], seed: int, members_csv: dict) -> dict:
    c = story.cast
    chats = story.chats
    new = chats["new"]
    organic_pids = {p.pid for p in c.everyone if p.organic}
    cs = cold_start_end(new, organic_pids)
    cs_end = dt.date.fromisoformat(cs["date"]) if cs else None

    alts = []
    for a in c.alts:
        msgs = [m for m in new.msgs if speaker(m) is a and active(m)]
        before = [m for m in msgs if cs_end and dt.datetime.fromtimestamp(m.ts, TZ).date() < cs_end + dt.timedelta(14)]
        alts.append({**who(a, new), "chat": new.name, "controlled_by": who(c.owner, new),
                     "declared_in_members_csv": a.declared, "active_messages": len(msgs),
                     "share_before_cold_start_end_plus_14d": round(len(before) / len(msgs), 3) if msgs else None})

    roles = [{**who(p), "role": p.role, "domain": p.domain,
              "chats": [ch.name for ch in chats.values() if ch.member(p)]}
             for p in (c.owner, *c.staff, c.teacher, c.florist, c.yoga, *c.alts)]

    lurkers = {}
    for ch in chats.values():
        spoke = {speaker(m).pid for m in ch.msgs if active(m)}
        quiet = [m.person for m in ch.members if m.person.pid not in spoke and m.person.role == "customer"]
        lurkers[ch.name] = {"count": len(quiet), "members": [who(p, ch) for p in quiet]}

    breakers = [{**who(b["who"], b["chat"]), "chat": b["chat"].name, "joined_at": iso(b["joined"]),
                 "invited_by": who(b["invited_by"], b["chat"]), "method": b["method"],
                 "violations": [{"at": iso(m.ts), "kind": m.kind, "text": m.text,
                                 "rule": "external QR code" if m.kind == "image" else
                                 "link" if m.kind == "link" else "advertising"} for m in b["posts"]],
                 "removed_at": iso(b["removed"]), "removed_by": who(c.owner, b["chat"])}
                for b in story.rule_breakers]

    edges, generations = [], {}
    for ch in chats.values():
        e, g = _generations(ch)
        edges += e
        generations[ch.name] = g
    perks = chats["perks"]
    per_referrer = Counter()
    for r in story.campaign_referrers:
        per_referrer[r["who"].pid] += len(r["invited"])
    campaign = {
        "chat": perks.name, "announced_at": iso(story.plan.campaign), "threshold": 10,
        "seed_members": sum(1 for m in perks.members if m.person.role == "customer" and m.joined < story.plan.campaign),
        "referrers": [{**who(r["who"], perks), "invited": len(r["invited"]), "reward_seeker": r["reward_seeker"]}
                      for r in story.campaign_referrers],
        "invitees_per_referrer_histogram": {str(k): v for k, v in sorted(Counter(per_referrer.values()).items())},
    }

    packets = []
    for rp in story.packets:
        ch, t0 = rp["chat"], rp["msg"].ts
        window = [m for m in ch.msgs if t0 <= m.ts < t0 + 3600 and active(m) and speaker(m).pid in organic_pids]
        packets.append({"chat": ch.name, "at": iso(t0), "sender": who(c.owner, ch), "why": rp["why"],
                        "claims": len(rp["claimers"]),
                        "organic_messages_60min": len(window),
                        "organic_speakers_60min": len({speaker(m).pid for m in window}),
                        "planted_lift": {"messages": len(rp["burst"]),
                                         "speakers": len({m.sender.pid for m in rp["burst"]})}})

    events = []
    for ev in story.events:
        ch = ev["chat"]
        events.append({
            "id": ev["id"], "name": ev["name"], "category": ev["category"], "chat": ch.name,
            "store": story.stores[ev["store"]], "announced_at": iso(ev["announce"]), "start": iso(ev["start"]),
            "end": iso(ev["end"]), "cost": ev["cost"], "host": who(ev["host"]),
            "solitaire_entries": len(ev["signers"]),
            "signed_up": [{**who(p, ch), "customer_id": p.customer_id, "is_alt": p.role == "alt"}
                          for p in ev["signers"]],
            "attended_customer_ids": [p.customer_id for p in ev["attended"] if p.customer_id],
            "visit_effect": _visit_effect(ev, records),
        })

    visits = records.visits
    return {
        "seed": seed,
        "timezone": "Asia/Shanghai",
        "window": {"start": "2025-05-01", "end": "2025-10-31"},
        "stores": list(story.stores),
        "chats": {key: chat_truth(ch, files[key], "wechat_pywxdump_csv" if ch.fmt == "pywxdump"
                                  else "wechat_memotrace_csv", story) for key, ch in chats.items()},
        "cold_start": {"chat": new.name, "rule": "docs/metrics.md §3.1, organic = customers and experts",
                       "planted_day": story.plan.cold_start_days, "end": cs},
        "alt_accounts": alts,
        "roles": roles,
        "lurkers": lurkers,
        "rule_breakers": breakers,
        "invitation_edges": edges,
        "generations": generations,
        "campaign": campaign,
        "red_packets": packets,
        "events": events,
        "visits": {"rows": len(visits), "with_customer": sum(1 for v in visits if v.customer),
                   "by_reason": dict(sorted(Counter(v.why for v in visits).items())),
                   "customers": len({v.customer.customer_id for v in visits if v.customer})},
        "members_csv": members_csv,
        "holidays": {"五一": ["2025-05-01", "2025-05-05"], "618": ["2025-06-16", "2025-06-18"],
                     "七夕": ["2025-08-29", "2025-08-29"], "中秋国庆": ["2025-10-01", "2025-10-08"]},
    }
