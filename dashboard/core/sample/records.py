"""The store's own records for the story: POS visits (with the planted event effect and holiday
lifts), the events calendar, and the owner's notes on who is who (members.csv)."""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.core.sample.cast import Person
from dashboard.core.sample.story import TZ, Story, epoch, holiday_lift, poisson

STORE_CODES = ("WD", "BJ")
VISITS_FROM = dt.date(2025, 3, 3)  # twelve weeks of POS history before the first event
VISITS_TO = dt.date(2025, 10, 31)
WEEKDAY = (0.8, 0.8, 0.9, 0.9, 1.0, 1.4, 1.3)
# planted effect of signing up for an event: extra visits in days 1–7 after it
EXTRA_VISITS = ((0, 0.35), (1, 0.45), (2, 0.20))
# …except the lantern DIY, planted with no effect at all: the week after it runs into the National
# Day holiday, which lifts every customer's visits, so a method fooled by holidays would credit it
NO_EFFECT = frozenset({"E06"})
ATTENDS_SHOP = 0.85  # attendees buy something on the event day
# calibration mode (benchmarks/bench_event_calibration.py): each event's effect is EXTRA_VISITS
# times one of these, zero included, so the verdicts' error rates can be counted against known sizes
CALIBRATION_SIZES = (0.0, 0.5, 1.0, 1.5)


@dataclass
class Visit:
    store: int
    customer: Person | None
    ts: int
    amount: float
    why: str = "baseline"  # baseline | walk_in | event_day | halo


@dataclass
class Records:
    visits: list[Visit] = field(default_factory=list)
    event_effects: dict[str, dict] = field(default_factory=dict)
    # per event, per signed-up customer (by customer id): the visit-days its halo added, that is
    # halo days on which the customer bought nothing else. The unit of the DiD's extra visits.
    extra_visit_days: dict[str, dict[str, int]] = field(default_factory=dict)
    calibrated: bool = False


def calibration_sizes(seed: int, event_ids: list[str]) -> dict[str, float]:
    """Each event's effect multiplier, drawn from CALIBRATION_SIZES by a stream of its own, so the
    same seed gives the same sizes and every other record of the story stays as it was."""
    rng = random.Random(seed ^ 0xCA1B)
    return {e: rng.choice(CALIBRATION_SIZES) for e in event_ids}


def _scaled_halo(halo: list[Visit], scale: float, rng: random.Random, day0: dt.date) -> list[Visit]:
    """A customer's halo visits at `scale` × the planted size: below 1 each visit is kept with
    probability `scale`; above 1 every visit is kept and each brings one more on another day of
    the window with probability `scale` − 1, so the expected count is exactly `scale` × the base."""
    if scale <= 1:
        return [v for v in halo if rng.random() < scale]
    used = {dt.datetime.fromtimestamp(v.ts, TZ).date() for v in halo}
    out = list(halo)
    for v in halo:
        if rng.random() < scale - 1:
            free = [k for k in range(1, 8) if day0 + dt.timedelta(days=k) not in used]
            day = day0 + dt.timedelta(days=rng.choice(free))
            used.add(day)
            out.append(Visit(v.store, v.customer, _visit_time(rng, day), _amount(rng), "halo"))
    return out


def _visit_time(rng: random.Random, day: dt.date) -> int:
    hour = rng.choices(range(9, 22), (1, 2, 3, 3, 2, 2, 3, 3, 2, 2, 3, 3, 1))[0]
    return epoch(day, hour, rng.randrange(60), rng.randrange(60))


def _amount(rng: random.Random) -> float:
    return round(rng.lognormvariate(math.log(120), 0.6), 2)


def simulate_visits(story: Story, rng: random.Random, sizes: dict[str, float] | None = None,
                    size_rng: random.Random | None = None) -> Records:
    """The POS records. `sizes` (calibration mode: event id → multiplier of EXTRA_VISITS, 0 to 2)
    replaces the planted effects, NO_EFFECT included; `size_rng` draws the scaling, apart from
    `rng`, so that only the halo visits differ from the story's own records."""
    if sizes is not None and not all(0 <= sizes[ev["id"]] <= 2 for ev in story.events):
        raise ValueError(f"effect multipliers must lie in 0…2: {sizes}")
    rec = Records(calibrated=sizes is not None)
    size_rng = size_rng or random.Random(0)
    customers = [p for p in (*story.cast.customers, *story.cast.walk_in_customers) if p.customer_id]
    days = [VISITS_FROM + dt.timedelta(days=i) for i in range((VISITS_TO - VISITS_FROM).days + 1)]
    for day in days:
        lift = WEEKDAY[day.weekday()] * holiday_lift(day, 1)
        for p in customers:
            if rng.random() < min(0.9, p.visit_rate / 7 * lift):
                rec.visits.append(Visit(p.home_store, p, _visit_time(rng, day), _amount(rng)))
        for store, mean in ((0, 5.0), (1, 2.0)):
            for _ in range(poisson(rng, mean * lift)):
                rec.visits.append(Visit(store, None, _visit_time(rng, day), _amount(rng), "walk_in"))
    halo_by_event: dict[str, dict[str, list[Visit]]] = {}
    for ev in story.events:
        day0 = dt.datetime.fromtimestamp(ev["start"], TZ).date()
        signed = [p for p in ev["signers"] if p.role == "customer" and p.customer_id]
        attended = [p for p in ev["attended"] if p.customer_id]
        extra_total = 0
        for p in attended:
            if rng.random() < ATTENDS_SHOP:
                rec.visits.append(Visit(ev["store"], p, ev["end"] + rng.randint(0, 1800), _amount(rng), "event_day"))
        scale = (0.0 if ev["id"] in NO_EFFECT else 1.0) if sizes is None else sizes[ev["id"]]
        halos: dict[str, list[Visit]] = {}
        for p in signed:
            # drawn for every event alike, so the rest of the records stay as they were
            n = rng.choices([n for n, _ in EXTRA_VISITS], [w for _, w in EXTRA_VISITS])[0]
            halo = [Visit(p.home_store, p, _visit_time(rng, day), _amount(rng), "halo")
                    for day in (day0 + dt.timedelta(days=k) for k in sorted(rng.sample(range(1, 8), n)))]
            halo = halo if scale == 1 else [] if scale == 0 else _scaled_halo(halo, scale, size_rng, day0)
            rec.visits.extend(halo)
            halos[p.customer_id] = halo
            extra_total += len(halo)
        rec.event_effects[ev["id"]] = {
            "window_days": [1, 7],
            "signed_up_customers": len(signed),
            "expected_extra_visits_per_signed_up": round(sum(n * w for n, w in EXTRA_VISITS) * scale, 3),
            "planted_extra_visits": extra_total,
            "attended_customers": len(attended),
        }
        if sizes is not None:
            rec.event_effects[ev["id"]]["effect_size"] = scale
        halo_by_event[ev["id"]] = halos
    # a halo visit adds a visit-day only when the customer bought nothing else that day
    days_of: dict[str, Counter] = {}
    for v in rec.visits:
        if v.customer is not None:
            days_of.setdefault(v.customer.customer_id, Counter())[dt.datetime.fromtimestamp(v.ts, TZ).date()] += 1
    for eid, halos in halo_by_event.items():
        rec.extra_visit_days[eid] = {
            cid: sum(1 for v in halo if days_of[cid][dt.datetime.fromtimestamp(v.ts, TZ).date()] == 1)
            for cid, halo in halos.items()}
    rec.visits.sort(key=lambda v: (v.ts, v.store))
    return rec


def _visit_ids(visits: list[Visit], prefix: str) -> list[str]:
    counters: dict[tuple[int, str], int] = {}
    out = []
    for v in visits:
        day = dt.datetime.fromtimestamp(v.ts, TZ).strftime("%Y%m%d")
        n = counters.get((v.store, day), 0) + 1
        counters[(v.store, day)] = n
        out.append(f"{prefix}{STORE_CODES[v.store]}{day}{n:04d}")
    return out


def local(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, TZ).strftime("%Y-%m-%d %H:%M:%S")


def write_visits(story: Story, rec: Records, path: Path) -> int:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["单号", "门店", "会员号", "时间", "金额"])
        for vid, v in zip(_visit_ids(rec.visits, story.id_prefix), rec.visits, strict=True):
            w.writerow([vid, story.stores[v.store], v.customer.customer_id if v.customer else "", local(v.ts),
                        f"{v.amount:.2f}"])
    return len(rec.visits)


def write_events(story: Story, path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["活动编号", "门店", "活动名称", "类别", "公布时间", "开始时间", "结束时间", "费用"])
        for ev in story.events:
            w.writerow([ev["id"], story.stores[ev["store"]], ev["name"], ev["category"], local(ev["announce"]),
                        local(ev["start"]), local(ev["end"]), f"{ev['cost']:.2f}"])


def write_regimes(story: Story, path: Path) -> None:
    """The entry thresholds the owner marked: her VIP group takes only customers who spent enough,
    the new mothers' group is by invitation, and the perks group was open to anyone who scanned its
    QR code until the "invite 10" campaign, then by invitation."""
    c = story.chats
    rows = [
        (c["vip"].name, story.plan.vip_created, "", "消费满", "年消费满2000元的老客"),
        (c["new"].name, local(c["new"].created)[:10], "", "邀请制", "店员或群友邀请"),
        (c["perks"].name, local(c["perks"].created)[:10], "2025-07-06", "免费", "扫码即可进群"),
        (c["perks"].name, "2025-07-07", "", "邀请制", "邀请有礼活动起只能由群友邀请"),
    ]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["群", "开始日期", "结束日期", "入群门槛", "说明"])
        w.writerows(rows)


ROLE_ZH = {"owner": "店长", "staff": "店员", "expert": "专家", "alt": "小号", "customer": "顾客"}


def members_rows(story: Story, rng: random.Random) -> list[list[str]]:
    """The owner's notes. She knows her VIP group by name (its export has no wxids), keeps her
    team and one of her two alt accounts on file, and has linked about 60% of the others to their
    store membership."""
    c = story.cast
    vip, new, perks = story.chats["vip"], story.chats["new"], story.chats["perks"]
    rows: list[list[str]] = []

    def row(chat: str, p: Person, by_name: bool, role: str, note: str = "", alt: bool = False) -> None:
        rows.append([chat, "" if by_name else p.wxid, p.name if by_name or rng.random() < 0.5 else "",
                     ROLE_ZH.get(role, role), p.domain or "", p.customer_id or "" if role == "customer" else "",
                     p.phone4 or "" if role == "customer" else "", "是" if alt else "", note])
        p.declared = True

    for p, note in ((c.owner, "我自己"), (c.staff[0], "万达店店员"), (c.staff[1], "滨江店店员"),
                    (c.teacher, "合作育儿师，每周答疑"), (c.florist, "插花课老师"), (c.yoga, "亲子瑜伽老师")):
        row("", p, False, p.role, note)
    row("", c.alts[0], False, "alt", "我的小号", alt=True)
    for p in (c.owner, c.staff[0], c.teacher, c.florist):
        row(vip.name, p, True, p.role)
    for m in vip.members:
        if m.person.role == "customer":
            row(vip.name, m.person, True, "customer")
    seen: set[int] = set()
    for chat in (new, perks):
        for m in chat.members:
            p = m.person
            if p.role == "customer" and p.customer_id and p.pid not in seen and rng.random() < 0.6:
                seen.add(p.pid)
                row("", p, False, "customer")
    return rows


def write_members(rows: list[list[str]], path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["群", "微信号", "群昵称", "角色", "领域", "会员号", "手机尾号", "是否小号", "备注"])
        w.writerows(rows)
