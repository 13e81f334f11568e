"""The story, simulated: three groups of one shop over six months, as a list of messages per chat.

Everything random comes from one seeded `random.Random`, and nothing iterates a set or a dict
keyed by objects, so the same seed gives the same story. Planted facts (cold-start end, alt
accounts, the invitation tree, red-packet bursts, event sign-ups, rule breakers) are recorded on
the way, for truth.json.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dashboard.core.sample.cast import Cast, Person, build_cast
from dashboard.core.sample.words import Words

TZ = ZoneInfo("Asia/Shanghai")
START = dt.date(2025, 5, 1)
END = dt.date(2025, 10, 31)  # inclusive
# Customers talk most mid-morning, at nap time and after the children sleep.
HOUR_WEIGHT = (0.15, 0.05, 0.03, 0.02, 0.02, 0.05, 0.3, 1.0, 2.0, 3.0, 3.5, 3.0, 2.0, 2.5, 3.0, 2.5, 2.0,
               1.5, 1.5, 2.5, 4.0, 4.5, 3.0, 1.0)
HOLIDAYS = {  # name → (first day, last day, lift on chat activity, lift on store visits)
    "五一": (dt.date(2025, 5, 1), dt.date(2025, 5, 5), 1.3, 1.4),
    "618": (dt.date(2025, 6, 16), dt.date(2025, 6, 18), 1.5, 1.7),
    "七夕": (dt.date(2025, 8, 29), dt.date(2025, 8, 29), 1.2, 1.3),
    "中秋国庆": (dt.date(2025, 10, 1), dt.date(2025, 10, 8), 1.4, 1.5),
}
SYSTEM_KIND = {"invite": "system", "qr": "system", "remove": "system", "claim": "system", "rename": "system",
               "recall": "recall", "pat": "pat"}


def holiday_lift(day: dt.date, which: int) -> float:
    for first, last, chat_lift, visit_lift in HOLIDAYS.values():
        if first <= day <= last:
            return chat_lift if which == 0 else visit_lift
    return 1.0


def epoch(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> int:
    return int(dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ).timestamp())


def day_of(ts: int) -> dt.date:
    return dt.datetime.fromtimestamp(ts, TZ).date()


@dataclass(slots=True, eq=False)
class Msg:
    ts: int  # epoch seconds
    sender: Person | None
    kind: str  # the kind the ingest will give it
    text: str | None = None
    quote: Msg | None = None
    mentions: tuple = ()
    system: tuple | None = None  # (what, *people) for system rows
    tag: str | None = None
    seq: int = 0
    svrid: int = 0
    extra: dict | None = None  # per-format details (link url, list version …)


@dataclass(eq=False)
class Member:
    person: Person
    joined: int | None  # None = member before the export starts
    method: str | None = None  # invite | qr | None
    inviter: Person | None = None
    removed: int | None = None


@dataclass(eq=False)
class Chat:
    key: str
    name: str
    fmt: str  # memotrace1 | memotrace2 | pywxdump
    created: int | None
    exporter: Person
    members: list[Member] = field(default_factory=list)
    msgs: list[Msg] = field(default_factory=list)
    # speakers in join order with cumulative talk weights, for fast weighted picks
    _order: list[Member] = field(default_factory=list)
    _cum: list[float] = field(default_factory=list)
    _joined_at: list[int] = field(default_factory=list)
    _by_pid: dict[int, Member] = field(default_factory=dict)

    def add_member(self, m: Member) -> None:
        self.members.append(m)
        self._by_pid[m.person.pid] = m
        if m.person.weight > 0 and m.person.organic:
            at = m.joined if m.joined is not None else -1
            i = bisect.bisect_right(self._joined_at, at)
            self._order.insert(i, m)
            self._joined_at.insert(i, at)
            self._cum = list(_accumulate(x.person.weight for x in self._order))

    def member(self, p: Person) -> Member | None:
        return self._by_pid.get(p.pid)

    def present(self, p: Person, ts: int) -> bool:
        m = self.member(p)
        return m is not None and (m.joined is None or m.joined <= ts) and (m.removed is None or m.removed > ts)

    def talkers_until(self, ts: int) -> int:
        return bisect.bisect_right(self._joined_at, ts)

    def pick(self, rng: random.Random, ts: int, k: int = 1, avoid: tuple = ()) -> list[Person]:
        """k distinct organic talkers present at ts, by talk weight."""
        n = self.talkers_until(ts)
        out: list[Person] = []
        if n == 0:
            return out
        total = self._cum[n - 1]
        for _ in range(k * 8):
            i = bisect.bisect_right(self._cum, rng.random() * total, 0, n)
            m = self._order[min(i, n - 1)]
            if m.person not in out and m.person not in avoid and (m.removed is None or m.removed > ts):
                out.append(m.person)
                if len(out) == k:
                    break
        return out


def _accumulate(xs):
    s = 0.0
    for x in xs:
        s += x
        yield s


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass
class Plan:
    """The story's fixed dates (chosen, not drawn), so the truth reads like a calendar."""
    new_created: int = epoch(dt.date(2025, 6, 2), 9, 30)
    cold_start_days: int = 28  # organic talk takes over on day 28
    perks_created: int = epoch(dt.date(2025, 5, 12), 10, 0)
    campaign: int = epoch(dt.date(2025, 7, 7), 10, 0)
    vip_created: str = "2024-11-18"


STORE_NAMES = ("小雨点母婴(万达店)", "小雨点母婴(滨江店)")
EVENTS = (  # id, chat, store, name, category, announce, start, hours, cost, host
    ("E01", "vip", 0, "儿童绘画比赛", "绘画", dt.date(2025, 5, 12), (dt.date(2025, 5, 24), 10), 2, 800, "staff"),
    ("E02", "vip", 0, "夏日插花课", "花艺", dt.date(2025, 6, 3), (dt.date(2025, 6, 14), 14), 2, 1200, "florist"),
    ("E03", "new", 0, "亲子蛋糕DIY", "烘焙", dt.date(2025, 7, 8), (dt.date(2025, 7, 19), 10), 3, 1500, "staff"),
    ("E04", "new", 1, "亲子瑜伽", "瑜伽", dt.date(2025, 7, 28), (dt.date(2025, 8, 9), 9), 2, 600, "yoga"),
    ("E05", "vip", 0, "七夕插花课", "花艺", dt.date(2025, 8, 12), (dt.date(2025, 8, 23), 14), 2, 1200, "florist"),
    ("E06", "new", 0, "中秋灯笼DIY", "手工", dt.date(2025, 9, 16), (dt.date(2025, 9, 27), 10), 2, 900, "staff"),
)
RED_PACKETS = (  # chat, day, hour, minute, why
    ("perks", dt.date(2025, 5, 13), 20, 5, "建群"), ("new", dt.date(2025, 6, 4), 20, 30, "冷启动暖场"),
    ("perks", dt.date(2025, 6, 18), 20, 0, "618"), ("new", dt.date(2025, 7, 7), 21, 0, "冷启动结束后"),
    ("perks", dt.date(2025, 7, 7), 10, 5, "裂变活动开始"), ("perks", dt.date(2025, 8, 29), 20, 30, "七夕"),
    ("perks", dt.date(2025, 9, 10), 15, 10, "下午冷场"), ("new", dt.date(2025, 10, 1), 10, 0, "国庆"),
    ("perks", dt.date(2025, 10, 6), 20, 0, "中秋"),
)


@dataclass
class Story:
    cast: Cast
    chats: dict[str, Chat]
    plan: Plan
    events: list[dict] = field(default_factory=list)
    packets: list[dict] = field(default_factory=list)
    rule_breakers: list[dict] = field(default_factory=list)
    campaign_referrers: list[dict] = field(default_factory=list)
    stores: tuple[str, ...] = STORE_NAMES
    id_prefix: str = ""


class Simulator:
    def __init__(self, seed: int, rate: float = 1.0, id_prefix: str = "", name_suffix: str = "") -> None:
        self.rng = random.Random(seed)
        self.words = Words(self.rng)
        # the domain experts' talk draws from a stream of its own, so adding it left every other
        # planted fact of the story as it was
        self.domain_rng = random.Random(seed + 1)
        self.rate = rate
        self.plan = Plan()
        self.cast = build_cast(self.rng, 560, 180, id_prefix)
        self.seq = 0
        self.svrid = 7_400_000_000_000_000_000 + self.rng.randrange(10**15)
        c = self.cast
        room = lambda: f"{self.rng.randrange(10**10, 10**11)}@chatroom"  # noqa: E731
        self.chats = {
            "vip": Chat(room(), "VIP老客群" + name_suffix, "memotrace2", None, c.owner),
            "new": Chat(room(), "新手妈妈群" + name_suffix, "memotrace1", self.plan.new_created, c.owner),
            "perks": Chat(room(), "福利群" + name_suffix, "pywxdump", self.plan.perks_created, c.owner),
        }
        self.story = Story(c, self.chats, self.plan, stores=tuple(n + name_suffix for n in STORE_NAMES),
                           id_prefix=id_prefix)

    # ---- emitting ---------------------------------------------------------------------------

    def emit(self, chat: Chat, ts: int, sender: Person | None, kind: str, text: str | None = None, **kw) -> Msg:
        self.seq += 1
        self.svrid += self.rng.randrange(1, 10**9)
        m = Msg(ts, sender, kind, text, seq=self.seq, svrid=self.svrid, **kw)
        chat.msgs.append(m)
        return m

    def system(self, chat: Chat, ts: int, what: str, *people: Person | list, extra: dict | None = None) -> Msg:
        return self.emit(chat, ts, None, SYSTEM_KIND[what], system=(what, *people), extra=extra)

    def join(self, chat: Chat, ts: int, people: list[Person], inviter: Person, method: str) -> None:
        for p in people:
            chat.add_member(Member(p, ts, method, inviter))
        if method == "invite":
            self.system(chat, ts, "invite", inviter, list(people))
        else:
            for p in people:
                self.system(chat, ts, "qr", inviter, p)

    def gap(self, median_s: float, spread: float = 0.8) -> int:
        return max(2, int(self.rng.lognormvariate(math.log(median_s), spread)))

    def when(self, day: dt.date) -> int:
        hour = self.rng.choices(range(24), HOUR_WEIGHT)[0]
        return epoch(day, hour, self.rng.randrange(60), self.rng.randrange(60))

    def media_or_text(self, chat: Chat, ts: int, who: Person, text: str, **kw) -> Msg:
        r = self.rng.random()
        if r < 0.06:
            return self.emit(chat, ts, who, "voice", None, extra={"seconds": self.rng.randint(2, 40)})
        if r < 0.13:
            desc = self.rng.choice(("[捂脸]", "[偷笑]", "[呲牙]", ""))
            return self.emit(chat, ts, who, "sticker", None, extra={"desc": desc})
        return self.emit(chat, ts, who, "text", text, **kw)

    def reply(self, chat: Chat, ts: int, who: Person, to: Msg, text: str, style: str | None = None) -> Msg:
        """A reply shown as a quote, an @mention, or just the next line."""
        style = style or self.rng.choices(("quote", "at", "plain"), (0.3, 0.3, 0.4))[0]
        if style == "quote" and to.text and to.kind in ("text", "quote"):
            return self.emit(chat, ts, who, "quote", text, quote=to)
        if style in ("at", "quote") and to.sender is not None:
            return self.emit(chat, ts, who, "text", f"@{to.sender.name}\u2005{text}", mentions=(to.sender,))
        return self.emit(chat, ts, who, "text", text)

    # ---- threads ----------------------------------------------------------------------------

    def staff_in(self, chat: Chat, ts: int) -> list[Person]:
        return [p for p in (self.cast.owner, *self.cast.staff) if chat.present(p, ts)]

    def question_thread(self, chat: Chat, t: int) -> None:
        w, rng = self.words, self.rng
        asker = chat.pick(rng, t)
        if not asker:
            return
        topic = w.topic()
        q = self.emit(chat, t, asker[0], "text", w.fill(rng.choice(topic["ask"])))
        t += self.gap(240)
        teacher = self.cast.teacher
        if rng.random() < 0.08:
            return  # nobody answers: the question stays open
        if topic["expert"] and chat.present(teacher, t) and rng.random() < 0.6:
            t += self.gap(420)
            a = self.reply(chat, t, teacher, q, w.fill(rng.choice(topic["expert"])))
        elif topic["staff"] and self.staff_in(chat, t):
            t += self.gap(180)
            a = self.reply(chat, t, rng.choice(self.staff_in(chat, t)), q, w.fill(rng.choice(topic["staff"])))
        else:
            other = chat.pick(rng, t, 1, avoid=(asker[0],))
            if not other:
                return
            a = self.reply(chat, t, other[0], q, w.say("talk", "agree"), "plain")
        if rng.random() < 0.6:
            t += self.gap(90)
            self.reply(chat, t, asker[0], a, w.say("talk", "thanks"), rng.choice(("plain", "plain", "quote")))
        if rng.random() < 0.3:
            for p in chat.pick(rng, t, rng.randint(1, 2), avoid=(asker[0],)):
                t += self.gap(120)
                self.media_or_text(chat, t, p, w.say("talk", "agree"))

    def chat_thread(self, chat: Chat, t: int) -> None:
        w, rng = self.words, self.rng
        people = chat.pick(rng, t, rng.randint(2, 4))
        if not people:
            return
        first = self.media_or_text(chat, t, people[0], w.say("talk", "chat"))
        for _ in range(rng.randint(1, 5)):
            t += self.gap(70)
            who = rng.choice(people)
            if rng.random() < 0.15 and first.kind == "text" and who is not first.sender:
                self.reply(chat, t, who, first, w.say("talk", "agree"))
            else:
                self.media_or_text(chat, t, who, w.say("talk", rng.choice(("chat", "agree", "agree"))))
        if rng.random() < 0.003 * len(people):
            self.system(chat, t + 30, "recall", people[-1])
        if rng.random() < 0.01:
            self.system(chat, t + 60, "pat", people[0], people[-1])

    def show_thread(self, chat: Chat, t: int) -> None:
        w, rng = self.words, self.rng
        who = chat.pick(rng, t)
        if not who:
            return
        for _ in range(rng.randint(1, 3)):
            self.emit(chat, t, who[0], "image", None)
            t += rng.randint(3, 20)
        if rng.random() < 0.08:
            self.emit(chat, t, who[0], "video", None, extra={"seconds": rng.randint(5, 60)})
        shown = self.emit(chat, t + 5, who[0], "text", w.say("talk", "show"))
        for p in chat.pick(rng, t, rng.randint(1, 4), avoid=(who[0],)):
            t += self.gap(60)
            self.reply(chat, t, p, shown, w.say("talk", "praise"), rng.choice(("plain", "plain", "at")))

    def organic_day(self, chat: Chat, day: dt.date, per_day: float) -> None:
        lam = per_day * self.rate * holiday_lift(day, 0) * (1.15 if day.weekday() >= 5 else 1.0)
        for _ in range(poisson(self.rng, lam)):
            t = self.when(day)
            kind = self.rng.choices((self.question_thread, self.chat_thread, self.show_thread), (0.45, 0.4, 0.15))[0]
            kind(chat, t)
        self.domain_day(chat, day)

    def domain_day(self, chat: Chat, day: dt.date) -> None:
        """The florist and the yoga coach answer questions on their subject and share a tip now and
        then, in the groups they are in."""
        main, self.rng = self.rng, self.domain_rng
        self.words.rng = self.rng
        try:
            for expert in (self.cast.florist, self.cast.yoga):
                for _ in range(poisson(self.rng, 0.3 * self.rate)):
                    t = self.when(day)
                    if chat.present(expert, t):
                        self.domain_thread(chat, t, expert)
        finally:
            self.rng = self.words.rng = main

    def domain_thread(self, chat: Chat, t: int, expert: Person) -> None:
        w, rng = self.words, self.rng
        bank = next(d for d in w.domains if d["domain"] == expert.domain)
        if rng.random() < 0.25:
            tip = self.emit(chat, t, expert, "text", w.fill(rng.choice(bank["tip"])))
            for p in chat.pick(rng, t, rng.randint(0, 3), avoid=(expert,)):
                t += self.gap(120)
                self.reply(chat, t, p, tip, w.say("talk", "thanks"), rng.choice(("plain", "plain", "at")))
            return
        asker = chat.pick(rng, t, avoid=(expert,))
        if not asker:
            return
        q = self.emit(chat, t, asker[0], "text", w.fill(rng.choice(bank["ask"])))
        t += self.gap(600)
        a = self.reply(chat, t, expert, q, w.fill(rng.choice(bank["expert"])))
        if rng.random() < 0.6:
            t += self.gap(90)
            self.reply(chat, t, asker[0], a, w.say("talk", "thanks"), rng.choice(("plain", "plain", "quote")))

    def shop_day(self, chat: Chat, day: dt.date, voice: list[Person], p_post: float) -> None:
        """The shop's routine posts: morning greeting, arrivals and offers, a good-night."""
        w, rng = self.words, self.rng
        if rng.random() < p_post * 0.7:
            t = epoch(day, 8, 50) + rng.randrange(2400)
            self.emit(chat, t, rng.choice(voice), "text", w.say("shop", "greeting"))
        if rng.random() < p_post * 0.5:
            t = epoch(day, rng.choice((10, 15)), 30) + rng.randrange(3600)
            who = rng.choice(voice)
            if rng.random() < 0.3:
                title = w.say("shop", "promo")
                self.emit(chat, t, who, "link", title, extra={"url": f"https://shop.xiaoyudian.example/p/{w.code()}",
                                                             "des": "点击查看详情"})
            else:
                self.emit(chat, t, who, "image", None)
                self.emit(chat, t + rng.randint(5, 40), who, "text", w.say("shop", rng.choice(("arrival", "promo"))))
            for p in chat.pick(rng, t, poisson(rng, 1.2)):
                t += self.gap(300)
                self.media_or_text(chat, t, p, w.say("talk", "order"))
                if rng.random() < 0.04:
                    amount = rng.choice(("59.00", "128.00", "99.00"))
                    self.emit(chat, t + 40, p, "transfer", None, extra={"amount": amount})
        if rng.random() < p_post * 0.25:
            t = epoch(day, 21, 40) + rng.randrange(1800)
            self.emit(chat, t, rng.choice(voice), "text", w.say("shop", "evening"))

    # ---- the new group's cold start ---------------------------------------------------------

    def seeding_thread(self, chat: Chat, t: int, alt_p: float) -> None:
        """The owner prompts; her alt accounts answer within a minute or two."""
        w, rng, owner = self.words, self.rng, self.cast.owner
        section = rng.choice(("prompt", "prompt", "arrival", "promo", "greeting"))
        prompt = self.emit(chat, t, owner, "text", w.say("shop", section))
        alts = [a for a in self.cast.alts if rng.random() < alt_p]
        for a in alts:
            t += rng.randint(15, 110)
            if rng.random() < 0.25:
                ask = self.emit(chat, t, a, "text", w.say("alt", "ask"))
                t += rng.randint(20, 100)
                self.reply(chat, t, owner, ask, w.fill(rng.choice(w.topic("staff")["staff"])))
            else:
                self.reply(chat, t, a, prompt, w.say("alt", "reply"), rng.choice(("plain", "plain", "quote", "at")))
        if alts and rng.random() < 0.4:
            t += rng.randint(30, 150)
            self.emit(chat, t, owner, "text", w.say("talk", rng.choice(("agree", "chat"))))

    def new_group(self) -> None:
        chat, rng, c, plan = self.chats["new"], self.rng, self.cast, self.plan
        t0 = plan.new_created
        founders = [*c.alts, c.staff[0], *self.new_pool[:4]]
        self.join(chat, t0, founders, c.owner, "invite")
        chat.add_member(Member(c.owner, t0, "creator", None))
        self.system(chat, t0 + 40, "rename", c.owner, extra={"title": "新手妈妈群"})
        self.emit(chat, t0 + 95, c.owner, "text", "欢迎大家加入小雨点新手妈妈群，有育儿问题随时问[玫瑰]")
        pool = iter(self.new_pool[4:])
        d0 = day_of(t0)
        end_cs = d0 + dt.timedelta(days=plan.cold_start_days)
        special = {plan.cold_start_days: c.teacher, 33: c.florist, 45: c.yoga}
        for i in range((END - d0).days + 1):
            day = d0 + dt.timedelta(days=i)
            n_join = poisson(rng, 7.0 if i < 14 else 2.0 if i < 60 else 0.6)
            for _ in range(n_join):
                people = [p for p in (next(pool, None) for _ in range(rng.choice((1, 1, 1, 2, 3)))) if p]
                if not people:
                    break
                t = epoch(day, rng.randint(9, 21), rng.randrange(60), rng.randrange(60))
                if rng.random() < 0.3:
                    self.join(chat, t, people, c.owner, "qr")
                elif rng.random() < 0.15 and chat.pick(rng, t):
                    self.join(chat, t, people, chat.pick(rng, t)[0], "invite")
                else:
                    self.join(chat, t, people, c.owner, "invite")
                    if rng.random() < 0.5:
                        self.emit(chat, t + rng.randint(20, 200), c.owner, "text", self.words.say("shop", "welcome"))
            if i in special:
                self.join(chat, epoch(day, 10, 5), [special[i]], c.owner, "invite")
                self.emit(chat, epoch(day, 10, 6), c.owner, "text",
                          f"欢迎{special[i].name}！以后{special[i].domain}方面的问题可以请教老师[玫瑰]")
            # seeding: heavy before the planted end of cold start, fading for two weeks after
            if day < end_cs:
                seeds, alt_p, organic = 4.5, 0.85, 0.3 + 1.2 * i / plan.cold_start_days
            elif day < end_cs + dt.timedelta(days=14):
                seeds, alt_p, organic = 1.0, 0.35, 9.0
            else:
                seeds, alt_p, organic = 0.3, 0.04, 9.0 + 4.0 * min(1.0, (i - 42) / 90)
            for _ in range(poisson(rng, seeds)):
                self.seeding_thread(chat, epoch(day, rng.choice((9, 10, 14, 20, 21)), rng.randrange(60)), alt_p)
            self.organic_day(chat, day, organic)
            if day >= end_cs:
                self.shop_day(chat, day, [c.owner, c.staff[0]], 0.8)

    # ---- the old customers' group -----------------------------------------------------------

    def vip_group(self) -> None:
        chat, rng, c = self.chats["vip"], self.rng, self.cast
        for p in (c.owner, c.staff[0], c.teacher, c.florist, *self.vip_pool[:150]):
            chat.add_member(Member(p, None))
        late = iter(self.vip_pool[150:])
        for i in range((END - START).days + 1):
            day = START + dt.timedelta(days=i)
            if rng.random() < 0.12:
                p = next(late, None)
                if p:
                    t = epoch(day, rng.randint(10, 20), rng.randrange(60))
                    self.join(chat, t, [p], c.staff[0], rng.choice(("invite", "qr")))
            self.organic_day(chat, day, 7.5)
            self.shop_day(chat, day, [c.staff[0], c.owner], 0.9)

    # ---- the benefits group and its referral campaign ---------------------------------------

    def perks_group(self) -> None:
        chat, rng, c, plan = self.chats["perks"], self.rng, self.cast, self.plan
        t0 = plan.perks_created
        self.join(chat, t0, [c.staff[1], c.staff[0], *self.perks_seeds[:8]], c.owner, "invite")
        chat.add_member(Member(c.owner, t0, "creator", None))
        self.emit(chat, t0 + 60, c.owner, "text", "福利群建好啦，每周都有专属优惠和红包，欢迎邀请身边的宝妈[玫瑰]")
        seeds = iter(self.perks_seeds[8:])
        d0 = day_of(t0)
        yoga_day = d0 + dt.timedelta(days=3)
        for i in range(14):
            day = d0 + dt.timedelta(days=i)
            for _ in range(poisson(rng, 6.0)):
                people = [p for p in (next(seeds, None) for _ in range(rng.choice((1, 2, 3)))) if p]
                if not people:
                    break
                t = epoch(day, rng.randint(9, 21), rng.randrange(60), rng.randrange(60))
                if rng.random() < 0.35:
                    self.join(chat, t, people, rng.choice((c.owner, c.staff[1])), "qr")
                else:
                    self.join(chat, t, people, rng.choice((c.owner, c.owner, c.staff[1])), "invite")
        for p in seeds:  # stragglers of the seed drive
            day = d0 + dt.timedelta(days=rng.randint(14, 40))
            self.join(chat, epoch(day, rng.randint(9, 21), rng.randrange(60)), [p], c.staff[1], "invite")
        self.join(chat, epoch(yoga_day, 11, 0), [c.yoga], c.owner, "invite")
        self.campaign(chat)
        for i in range((END - d0).days + 1):
            day = d0 + dt.timedelta(days=i)
            self.organic_day(chat, day, 3.5 + 2.5 * min(1.0, max(0, (day - dt.date(2025, 7, 7)).days) / 30))
            self.shop_day(chat, day, [c.staff[1], c.owner], 1.0)

    def campaign(self, chat: Chat) -> None:
        """邀请10位本地宝妈进群送礼品: about a fifth of the seed members invite; reward-seekers stop
        at exactly ten; some invitees invite in turn, three generations deep."""
        rng, c, plan = self.rng, self.cast, self.plan
        self.emit(chat, plan.campaign, c.owner, "text",
                  "【邀请有礼】即日起邀请10位本地宝妈进群，就送价值99元的婴儿洗护礼盒一套！邀请满10位后私聊店员领取[玫瑰]")
        self.emit(chat, plan.campaign + 30, c.owner, "image", None)
        pool = iter(self.perks_invitees)
        seeds = [m.person for m in chat.members if m.person.role == "customer"]
        responders = [p for p in seeds if rng.random() < 0.2]
        seekers = set(range(0, len(responders), 3))  # every third responder goes for the gift

        def invite_round(inviter: Person, n: int, start: int, seeker: bool) -> list[Person]:
            invited: list[Person] = []
            t = start
            while len(invited) < n:
                batch = [p for p in (next(pool, None) for _ in range(min(n - len(invited), rng.choice((1, 1, 2, 3)))))
                         if p]
                if not batch:
                    break
                for p in batch:  # reward-driven invitees rarely speak
                    p.lurker = rng.random() < (0.75 if seeker else 0.45)
                    p.weight = 0.0 if p.lurker else rng.paretovariate(1.8)
                t += self.gap(5400, 1.2)
                self.join(chat, t, batch, inviter, "qr" if rng.random() < 0.25 else "invite")
                invited.extend(batch)
            self.story.campaign_referrers.append({"who": inviter, "invited": invited,
                                                  "reward_seeker": seeker})
            return invited

        gen2: list[Person] = []
        for i, r in enumerate(responders):
            seeker = i in seekers
            n = 10 if seeker else rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 9, 11))
            start = plan.campaign + rng.randint(600, 5 * 86400)
            gen2 += invite_round(r, n, start, seeker)
        # the second and third generation: a few invitees bring their own friends
        second = [p for p in gen2 if rng.random() < 0.12] or gen2[:2]
        gen3: list[Person] = []
        for p in second:
            joined = chat.member(p).joined
            gen3 += invite_round(p, rng.randint(1, 4), joined + rng.randint(3600, 6 * 86400), False)
        third = [p for p in gen3 if rng.random() < 0.2] or gen3[:1]
        for p in third:
            joined = chat.member(p).joined
            invite_round(p, rng.randint(1, 3), joined + rng.randint(3600, 5 * 86400), False)
        # an advertiser slips in with the crowd, invited by a gift-seeker
        seeker_people = [r for i, r in enumerate(responders) if i in seekers]
        self.advertiser(chat, c.advertisers[1], plan.campaign + 5 * 86400 + 3 * 3600, seeker_people[0], "invite")

    # ---- specials ---------------------------------------------------------------------------

    def advertiser(self, chat: Chat, ad: Person, t: int, via: Person, method: str) -> None:
        w, rng = self.words, self.rng
        self.join(chat, t, [ad], via, method)
        posts = []
        t += rng.randint(300, 1500)
        posts.append(self.emit(chat, t, ad, "text", w.say("ads", "text", wx=f"yx{rng.randrange(10**6, 10**7)}"),
                               tag="ad"))
        t += rng.randint(20, 120)
        posts.append(self.emit(chat, t, ad, "image", None, tag="ad", extra={"qr": True}))
        t += rng.randint(60, 600)
        url = w.say("ads", "link", code=w.code(8))
        posts.append(self.emit(chat, t, ad, "link", "免费领取纸尿裤试用装，仅限今天", tag="ad",
                               extra={"url": url, "des": "点击领取"}))
        t += rng.randint(900, 2400)
        chat.member(ad).removed = t
        self.system(chat, t, "remove", ad)
        self.emit(chat, t + 40, self.cast.owner, "text",
                  "群里禁止发广告和陌生二维码，已移出，大家不要扫码，注意保护个人信息")
        self.story.rule_breakers.append({"who": ad, "chat": chat, "joined": chat.member(ad).joined, "posts": posts,
                                         "removed": t, "invited_by": via, "method": method})

    def red_packet(self, chat: Chat, t: int, why: str) -> None:
        rng, owner, w = self.rng, self.cast.owner, self.words
        packet = self.emit(chat, t, owner, "red_packet", "恭喜发财，大吉大利")
        present = [m.person for m in chat.members
                   if m.person is not owner and (m.joined is None or m.joined < t)
                   and (m.removed is None or m.removed > t) and m.person.role != "advertiser"]
        alts = [p for p in present if p.role == "alt"]
        others = [p for p in present if p.role != "alt"]
        rng.shuffle(others)
        claimers = alts + others[: rng.randint(8, 16)]
        ct = t
        for i, p in enumerate(claimers):
            ct = t + rng.randint(3, 9) if p.role == "alt" else ct + self.gap(12, 1.0)
            self.system(chat, ct, "claim", p, extra={"last": i == len(claimers) - 1})
        # the planted burst: thanks and chatter from members, all within the hour
        burst: list[Msg] = []
        talkers = [p for p in claimers if p.organic and not p.lurker] or chat.pick(rng, t, 3)
        bt = t + 20
        for _ in range(rng.randint(8, 18)):
            bt += self.gap(120, 0.9)
            if bt >= t + 3600:
                break
            who = rng.choice(talkers)
            section = rng.choice(("thanks_packet", "thanks_packet", "chat", "agree"))
            burst.append(self.media_or_text(chat, bt, who, w.say("talk", section)))
        for m in burst:
            m.tag = "rp_burst"
        self.story.packets.append({"chat": chat, "msg": packet, "why": why, "claimers": claimers, "burst": burst})

    def event(self, spec: tuple) -> None:
        eid, chat_key, store, name, category, announce, (day, hour), hours, cost, host = spec
        chat, rng, c = self.chats[chat_key], self.rng, self.cast
        t = epoch(announce, 10, 0) + rng.randrange(1800)
        start = epoch(day, hour)
        where = self.story.stores[store]
        host_person = {"staff": c.owner, "florist": c.florist, "yoga": c.yoga}[host]
        self.emit(chat, t, c.owner, "text",
                  f"【活动预告】{day.month}月{day.day}日 {hour}:00 {name}，地点：{where}，名额有限，"
                  f"想参加的宝妈请接龙报名[玫瑰]")
        if host != "staff" and chat.present(host_person, t):
            self.emit(chat, t + 60, host_person, "text", f"大家好，这次{name}由我来带，欢迎宝妈们带宝宝一起来")
        header = f"#接龙\n{name} {day.month}月{day.day}日{hour}点\n{where}\n\n例 朵朵妈 1大1小\n"
        lines: list[str] = []
        self.emit(chat, t + 120, c.owner, "solitaire", header)
        signers: list[Person] = []
        if chat_key == "new":
            signers += [a for a in c.alts if chat.present(a, t)]
        n = rng.randint(10, 16)
        pool = chat.pick(rng, t, n + 6)
        pool.sort(key=lambda p: -(p.weight * (2.0 if p.customer_id else 1.0)) * rng.random())
        signers += [p for p in pool if p.role == "customer"][:n]
        st, close = t + 200, start - 3 * 3600
        for p in signers:
            step = rng.randint(30, 180) if p.role == "alt" else int(rng.expovariate(1 / 36000)) + 30
            st = st + step if st + step < close else st + rng.randint(20, 300)
            lines.append(f"{p.name}{rng.choice(('', '', ' 1大1小', ' 带宝宝', ' 1大2小'))}")
            body = header + "\n" + "\n".join(f"{i}. {x}" for i, x in enumerate(lines, 1))
            self.emit(chat, st, p, "solitaire", body)
        reminder_t = epoch(day - dt.timedelta(days=1), 20, rng.randrange(30))
        self.emit(chat, reminder_t, c.owner, "text",
                  f"@所有人\u2005明天{hour}点{name}，报名的宝妈记得准时到哦，带好宝宝的小水杯")
        end = start + hours * 3600
        self.emit(chat, start - 1800, c.owner, "location", where, extra={"store": store})
        attended = [p for p in signers if p.role == "customer" and rng.random() < 0.85]
        pt = end + rng.randint(600, 3600)
        for _ in range(3):
            self.emit(chat, pt, c.owner, "image", None)
            pt += rng.randint(3, 30)
        self.emit(chat, pt + 10, c.owner, "text",
                  f"今天的{name}圆满结束，谢谢各位宝妈和宝宝们的参与！照片已发群里[爱心]")
        for p in rng.sample(attended, min(len(attended), rng.randint(2, 5))):
            pt += self.gap(600)
            self.emit(chat, pt, p, "image", None)
            self.emit(chat, pt + rng.randint(10, 60), p, "text", rng.choice(
                ("宝宝玩得好开心，谢谢店长", "下次还来[呲牙]", "老师好耐心，谢谢", "今天收获满满")))
        self.story.events.append({"id": eid, "chat": chat, "store": store, "name": name, "category": category,
                                  "announce": t, "start": start, "end": end, "cost": cost, "signers": signers,
                                  "attended": attended, "host": host_person})

    # ---- the whole story --------------------------------------------------------------------

    def run(self) -> Story:
        rng, c = self.rng, self.cast
        customers = list(c.customers)
        rng.shuffle(customers)
        self.vip_pool = customers[:165]
        self.new_pool = customers[165:375]
        self.perks_invitees = customers[375:]
        self.perks_seeds = [p for p in self.vip_pool[:60] if rng.random() < 0.6] + \
                           [p for p in self.new_pool[:120] if rng.random() < 0.35]
        self.vip_group()
        self.perks_group()
        self.new_group()
        new = self.chats["new"]
        via = next(m.person for m in new.members if m.person.role == "customer" and m.joined is not None)
        self.advertiser(new, c.advertisers[0], epoch(dt.date(2025, 8, 14), 10, 12), via, "qr")
        for spec in EVENTS:
            self.event(spec)
        for chat_key, day, hour, minute, why in RED_PACKETS:
            self.red_packet(self.chats[chat_key], epoch(day, hour, minute), why)
        end = epoch(END, 23, 59, 59)
        for chat in self.chats.values():
            # routine posts drawn for a group's first day may fall before it was created
            first = chat.created if chat.created is not None else 0
            chat.msgs = sorted((m for m in chat.msgs if first <= m.ts <= end), key=lambda m: (m.ts, m.seq))
        return self.story
