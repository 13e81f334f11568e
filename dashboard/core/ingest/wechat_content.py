"""WeChat message types and content: type codes and type names to kinds, app-message XML,
system-message XML, and the `wxid:\\n` sender prefix (docs/formats.md §1.2–1.9)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache

# PC 3.x / 4.x Type → kind; Type 49 is decided by its SubType (APPMSG_KIND).
PC_TYPE_KIND = {
    1: "text", 3: "image", 34: "voice", 37: "other", 42: "other", 43: "video", 47: "sticker",
    48: "location", 50: "call", 62: "video", 65: "other", 66: "other", 10000: "system",
    10002: "system", 11000: "other", 9999: "system", 10001: "system",
}
APPMSG_KIND = {
    1: "text", 3: "link", 4: "link", 5: "link", 6: "file", 8: "sticker", 17: "location",
    19: "link", 24: "link", 33: "link", 36: "link", 50: "link", 51: "video", 53: "solitaire",
    57: "quote", 62: "pat", 63: "link", 74: "file", 87: "text", 88: "link", 92: "link",
    2000: "transfer", 2001: "red_packet", 2003: "other",
}
# Android `message.type` codes with the app-msg subtype folded in (§1.3), as (PC Type, SubType).
ANDROID_TYPE_PC = {
    1: (1, 0), 3: (3, 0), 34: (34, 0), 42: (42, 0), 43: (43, 0), 47: (47, 0), 48: (48, 0),
    49: (49, 0), 50: (50, 0), 62: (62, 0), 10000: (10000, 0), 10002: (10002, 0), 1048625: (47, 0),
    16777265: (49, 5), 419430449: (49, 2000), 436207665: (49, 2001), 822083633: (49, 57),
    1090519089: (49, 6), 1040187441: (49, 3), -1879048186: (49, 17),
}
DROPPED_PC_TYPES = {51}  # client sync ops, not chat messages

# Chinese type names written by PyWxDump (type_name) and MemoTrace 2.x (类型).
TYPE_NAME_KIND = {
    "文本": "text", "粘贴的文本": "text", "群公告": "text",
    "图片": "image", "语音": "voice", "视频": "video", "视频号视频": "video",
    "动画表情": "sticker", "表情包": "sticker", "GIF表情": "sticker",
    "位置": "location", "位置分享": "location", "位置共享": "location",
    "文件": "file", "文件(上传中)": "file",
    "卡片式链接": "link", "分享卡片式链接": "link", "分享链接": "link", "合并转发的聊天记录": "link",
    "小程序": "link", "视频号": "link", "视频号名片": "link", "视频号直播": "link", "音乐分享": "link",
    "音乐": "link", "笔记": "link", "收藏笔记": "link",
    "引用回复": "quote", "引用消息": "quote",
    "转账": "transfer", "红包": "red_packet", "接龙": "solitaire", "拍一拍": "pat",
    "语音/视频通话": "call", "音视频通话": "call",
    "系统通知": "system", "系统消息": "system", "邀请加群": "system",
    "名片": "other", "个人/公众号名片": "other", "企业微信名片": "other", "添加好友": "other",
    "企业微信打招呼": "other", "赠送红包封面": "other", "未知": "other", "未知类型": "other",
}


def kind_from_type_name(name: str) -> str:
    name = (name or "").strip()
    if name.startswith("消息撤回"):
        return "recall"
    return TYPE_NAME_KIND.get(name, "other")


def kind_from_pc(type_code: int, sub_type: int) -> str:
    if type_code == 49:
        return APPMSG_KIND.get(sub_type, "link")
    if type_code == 10000 and sub_type == 4:
        return "pat"
    return PC_TYPE_KIND.get(type_code, "other")


def unpack_v4_type(local_type: int) -> tuple[int, int]:
    """Weixin 4.x packs the app-message subtype into the high 32 bits."""
    return local_type & 0xFFFFFFFF, local_type >> 32


# ---------------------------------------------------------------------------------------------
# XML helpers: exports hold fragments that are often not well-formed, so use tolerant regexes.

_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _unwrap(s: str) -> str:
    if "<![CDATA[" in s:
        s = _CDATA.sub(r"\1", s)
    return html.unescape(s).strip()


@lru_cache(maxsize=256)
def _field(tag: str) -> re.Pattern[str]:
    return re.compile(rf"<{tag}(?:\s[^>]*)?>(.*?)</{tag}>", re.S)


def xml_field(xml: str, tag: str) -> str | None:
    m = _field(tag).search(xml)
    return _unwrap(m.group(1)) if m else None


_SPACES = re.compile(r"\s+")
_EDIT_LINK = re.compile(r"<a[^>]*revoke_edit[^>]*>.*?</a>", re.S)


def strip_tags(s: str) -> str:
    text = _EDIT_LINK.sub("", _unwrap(s))
    return _SPACES.sub(" ", _TAG.sub("", text)).strip()


_PREFIX = re.compile(r"^([A-Za-z0-9_\-@.]{3,64}):\n", re.S)


def split_sender_prefix(content: str) -> tuple[str | None, str]:
    """`wxid_abc:\\nbody` → ("wxid_abc", "body") for group rows of raw databases."""
    if content:
        m = _PREFIX.match(content)
        if m:
            return m.group(1), content[m.end():]
    return None, content


@dataclass
class AppMsg:
    sub_type: int | None
    title: str | None
    des: str | None
    url: str | None
    refer_svrid: str | None = None
    refer_name: str | None = None
    refer_content: str | None = None
    refer_sender: str | None = None
    sender_title: str | None = None  # red packet wish


def parse_appmsg(xml: str) -> AppMsg | None:
    if "<appmsg" not in xml:
        return None
    body = xml.split("<refermsg>", 1)
    head = body[0]
    sub = xml_field(head, "type")
    app = AppMsg(
        sub_type=int(sub) if sub and sub.isascii() and sub.isdigit() else None,
        title=xml_field(head, "title"),
        des=xml_field(head, "des"),
        url=xml_field(head, "url"),
        sender_title=xml_field(xml, "sendertitle"),
    )
    if len(body) > 1:
        ref = body[1]
        app.refer_svrid = xml_field(ref, "svrid")
        app.refer_name = xml_field(ref, "displayname")
        app.refer_sender = xml_field(ref, "chatusr") or xml_field(ref, "fromusr")
        content = xml_field(ref, "content")
        if content and "<msg" in content:  # quoting a non-text message
            inner = parse_appmsg(content)
            content = inner.title if inner and inner.title else None
        app.refer_content = content
    return app


def appmsg_text(kind: str, app: AppMsg) -> str | None:
    if kind == "red_packet":
        return app.sender_title or app.title or app.des
    if kind in ("link", "file", "text", "quote", "solitaire", "pat"):
        return app.title or app.des
    if kind == "transfer":
        return app.des or app.title
    return app.title


# ---------------------------------------------------------------------------------------------
# system messages

@dataclass
class SystemText:
    text: str
    names: dict[str, str]  # nickname → wxid, from template XML


_LINK = re.compile(r'<link\s+name="([^"]+)"[^>]*>(.*?)</link>', re.S)
_MEMBER = re.compile(r"<member>(.*?)</member>", re.S)


def _render_template(xml: str) -> SystemText:
    template = xml_field(xml, "template") or ""
    names: dict[str, str] = {}
    for link in _LINK.finditer(xml):
        key, inner = link.group(1), link.group(2)
        sep = xml_field(inner, "separator") or "、"
        nicks = []
        for member in _MEMBER.finditer(inner):
            nick = xml_field(member.group(1), "nickname") or ""
            wxid = xml_field(member.group(1), "username")
            nicks.append(nick)
            if wxid and nick:
                names[nick] = wxid
        if not nicks:
            plain = xml_field(inner, "plain")
            nicks = [plain] if plain else []
        template = template.replace(f"${key}$", sep.join(nicks))
    return SystemText(template.strip(), names)


def system_text(content: str) -> SystemText:
    """Plain text of a system row, whichever wrapper the export kept."""
    c = (content or "").strip()
    if "<sysmsg" in c:
        if 'type="sysmsgtemplate"' in c:
            return _render_template(c)
        replace = xml_field(c, "replacemsg")
        if replace:
            return SystemText(strip_tags(replace), {})
        plain = xml_field(c, "plain")
        if plain:
            return SystemText(strip_tags(plain), {})
        return SystemText(strip_tags(c), {})
    return SystemText(strip_tags(c), {})


def names_json(names: dict[str, str]) -> str | None:
    return json.dumps(names, ensure_ascii=False) if names else None
