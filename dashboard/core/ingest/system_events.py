"""The system-message grammar: rules as data, one table for every client language.

Each rule turns a system text into an event: who acted, who it happened to, how. Names are
returned as written; `SELF` stands for the exporting account ("你", "我", "You"). Sources:
docs/formats.md §1.6 (WeChat zh-CN and English clients, cross-checked with wechaty parsers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SELF = "\x00self"

# Event kinds: join / remove / rename / owner / recall / pat / red_packet_claim.


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: re.Pattern
    method: str | None = None
    actor: str | None = None  # a fixed actor (SELF) when the pattern has no actor group
    subjects: str | None = None  # a fixed subject (SELF)
    also_self: bool = False  # "X邀请你和Y加入了群聊": the exporter joins too
    separator: str = "、"


def _r(kind: str, pattern: str, **kw) -> Rule:
    return Rule(kind, re.compile(pattern), **kw)


_Q = r'[“"]'  # WeChat wraps names in straight quotes; some clients use curly ones
_E = r'[”"]'

RULES: tuple[Rule, ...] = (
    # ---- joins, zh-CN
    _r("join", rf"^{_Q}(?P<actor>.+?){_E}邀请你和{_Q}(?P<subjects>.+?){_E}加入了群聊", method="invite", also_self=True),
    _r("join", rf"^{_Q}(?P<actor>.+?){_E}邀请你加入了群聊", method="invite", subjects=SELF),
    _r("join", rf"^{_Q}(?P<actor>.+?){_E}邀请{_Q}(?P<subjects>.+?){_E}加入了群聊", method="invite"),
    _r("join", rf"^你邀请{_Q}(?P<subjects>.+?){_E}加入了群聊", method="invite", actor=SELF),
    _r("join", rf"^{_Q}(?P<subjects>.+?){_E}通过扫描你分享的二维码加入群聊", method="qr", actor=SELF),
    _r("join", rf"^{_Q}(?P<subjects>.+?){_E}通过扫描{_Q}(?P<actor>.+?){_E}分享的二维码加入群聊", method="qr"),
    _r("join", rf"^{_Q}(?P<subjects>.+?){_E}通过{_Q}(?P<actor>.+?){_E}的邀请二维码加入群聊", method="qr"),
    _r("join", r"^你通过扫描二维码加入群聊", method="qr", subjects=SELF),
    _r("join", rf"^{_Q}(?P<subjects>.+?){_E}通过群链接加入群聊", method="link"),
    # ---- joins, English client
    _r("join", r'^"?(?P<actor>.+?)"? invited you and "?(?P<subjects>.+?)"? to the group chat', method="invite",
       also_self=True, separator=", "),
    _r("join", r'^"?(?P<actor>.+?)"? invited you to (?:a|the) group chat', method="invite", subjects=SELF),
    _r("join", r'^You invited "?(?P<subjects>.+?)"? to the group chat', method="invite", actor=SELF, separator=", "),
    _r("join", r'^"?(?P<actor>.+?)"? invited "?(?P<subjects>.+?)"? to the group chat', method="invite",
       separator=", "),
    _r("join", r'^"(?P<subjects>.+?)" joined (?:the )?group chat via the QR code you shared', method="qr",
       actor=SELF),
    _r("join", r'^"(?P<subjects>.+?)" joined (?:the )?group chat via the QR code shared by "(?P<actor>.+?)"',
       method="qr"),
    # ---- removals
    _r("remove", rf"^你将{_Q}(?P<subjects>.+?){_E}移出了群聊", actor=SELF),
    _r("remove", rf"^{_Q}(?P<actor>.+?){_E}将{_Q}(?P<subjects>.+?){_E}移出了群聊"),
    _r("remove", rf"^你被{_Q}(?P<actor>.+?){_E}移出群聊", subjects=SELF),
    _r("remove", r'^You removed "?(?P<subjects>.+?)"? from the group chat', actor=SELF, separator=", "),
    _r("remove", r'^You were removed from the group chat by "?(?P<actor>.+?)"?$', subjects=SELF),
    # ---- renames (the new name sits in curly quotes in zh-CN)
    _r("rename", r"^你修改群名为[“\"](?P<title>.*)[”\"]$", actor=SELF),
    _r("rename", rf"^{_Q}(?P<actor>.+?){_E}修改群名为[“\"](?P<title>.*)[”\"]$"),
    _r("rename", r'^You changed the group name to "(?P<title>.*)"$', actor=SELF),
    _r("rename", r'^"?(?P<actor>.+?)"? changed the group name to "(?P<title>.*)"$'),
    # ---- owner change
    _r("owner", rf"^{_Q}(?P<subjects>.+?){_E}已成为新群主"),
    _r("owner", r"^你已成为新群主", subjects=SELF),
    # ---- recalls
    _r("recall", r"^你撤回了一条消息", actor=SELF),
    _r("recall", rf"^{_Q}(?P<actor>.+?){_E} ?撤回了一条消息"),
    _r("recall", r"^You recalled a message", actor=SELF),
    _r("recall", r'^"?(?P<actor>.+?)"? recalled a message'),
    # ---- pats (custom suffixes follow the patted name)
    _r("pat", r"^我拍了拍自己", actor=SELF, subjects=SELF),
    _r("pat", rf"^我拍了拍 ?{_Q}(?P<subjects>.+?){_E}", actor=SELF),
    _r("pat", rf"^{_Q}(?P<actor>.+?){_E} ?拍了拍我", subjects=SELF),
    _r("pat", rf"^{_Q}(?P<actor>.+?){_E} ?拍了拍自己"),
    _r("pat", rf"^{_Q}(?P<actor>.+?){_E} ?拍了拍 ?{_Q}(?P<subjects>.+?){_E}"),
    _r("pat", r'^"?(?P<actor>.+?)"? tickled "?(?P<subjects>.+?)"?$'),
    # ---- red packet claims (only the sender and the claimer see them)
    _r("red_packet_claim", r"^你领取了(?P<subjects>.+?)的红包", actor=SELF),
    _r("red_packet_claim", r"^(?P<actor>.+?)领取了你的红包", subjects=SELF),
    _r("red_packet_claim", r"^你领取了自己发的红包", actor=SELF, subjects=SELF),
)
# For claims, actor = claimer and subjects = the packet's sender.

MESSAGE_KIND = {"recall": "recall", "pat": "pat"}


@dataclass
class SystemEvent:
    kind: str
    actor: str | None
    subjects: list[str] = field(default_factory=list)
    method: str | None = None
    title: str | None = None


def _split(names: str, sep: str) -> list[str]:
    parts = [p.strip().strip('"“”') for p in names.split(sep)]
    if sep == ", " and parts and " and " in parts[-1]:
        last = parts.pop()
        parts.extend(p.strip().strip('"') for p in last.split(" and "))
    return [p for p in parts if p]


def parse_system(text: str) -> SystemEvent | None:
    """The event a system text states, or None for notices that state none."""
    t = text.strip()
    for rule in RULES:
        m = rule.pattern.search(t)
        if not m:
            continue
        g = m.groupdict()
        actor = rule.actor if rule.actor is not None else g.get("actor")
        if rule.subjects is not None:
            subjects = [rule.subjects]
        elif g.get("subjects"):
            subjects = _split(g["subjects"], rule.separator)
        else:
            subjects = [actor] if rule.kind == "pat" and actor else []
        if rule.also_self:
            subjects = [SELF, *subjects]
        return SystemEvent(rule.kind, actor, subjects, rule.method, g.get("title"))
    return None
