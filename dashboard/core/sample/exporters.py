"""Writing a simulated chat the way real exporters write it, byte for byte as docs/formats.md
§1.8–1.9 describes them: MemoTrace 1.x CSV (`utf-8-sig`, `\\r\\n`, raw XML contents), MemoTrace 2.x
CSV (Chinese header, rendered contents) and PyWxDump CSV (no BOM, 5000 rows a page, users.json)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from dashboard.core.sample.cast import Person
from dashboard.core.sample.story import TZ, Chat, Msg

PYWXDUMP_PAGE = 5000
STORE_PLACE = (("30.2741", "120.1551", "杭州市拱墅区万达广场1楼"), ("30.2084", "120.2106", "杭州市滨江区江南大道88号"))


def local(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, TZ).strftime("%Y-%m-%d %H:%M:%S")


def _q(name: str) -> str:
    return f'"{name}"'


def system_text(m: Msg, chat: Chat, you: Person | None) -> str:
    """The zh-CN client's words for a system row; `you` is the exporting account, if the format knows it."""
    what, *who = m.system
    me = lambda p: you is not None and p is you  # noqa: E731
    if what == "invite":
        actor, people = who
        names = "、".join(p.name for p in people)
        return f'你邀请"{names}"加入了群聊' if me(actor) else f'{_q(actor.name)}邀请"{names}"加入了群聊'
    if what == "qr":
        sharer, person = who
        via = "你" if me(sharer) else _q(sharer.name)
        return f"{_q(person.name)}通过扫描{via}分享的二维码加入群聊"
    if what == "remove":
        return f"你将{_q(who[0].name)}移出了群聊"
    if what == "claim":
        done = "，你的红包已被领完" if m.extra and m.extra.get("last") else ""
        return (f'<img src="SystemMessages_HongbaoIcon.png"/>  {who[0].name}领取了你的<_wc_custom_link_ '
                f'color="#FD9931" href="weixin://weixinhongbao/opendetail?sendid={m.svrid}">红包</_wc_custom_link_>'
                f"{done}")
    if what == "recall":
        return f"{_q(who[0].name)} 撤回了一条消息"
    if what == "pat":
        return f"{_q(who[0].name)} 拍了拍 {_q(who[1].name)}"
    if what == "rename":
        title = m.extra["title"]
        return f"你修改群名为“{title}”" if me(who[0]) else f"{_q(who[0].name)}修改群名为“{title}”"
    raise ValueError(what)


def _members_xml(people: list[Person], name: str, separator: bool) -> str:
    inner = "".join(f"<member><username><![CDATA[{p.wxid}]]></username><nickname><![CDATA[{p.name}]]></nickname>"
                    f"</member>" for p in people)
    sep = "<separator><![CDATA[、]]></separator>" if separator else ""
    return f'<link name="{name}" type="link_profile"><memberlist>{inner}</memberlist>{sep}</link>'


def join_template(m: Msg, you: Person) -> str | None:
    """Newer clients store joins as template XML that carries the wxids (§1.6)."""
    what, *who = m.system
    if what == "invite":
        actor, people = who
        if actor is you:
            template, links = '你邀请"$names$"加入了群聊', _members_xml(people, "names", True)
        else:
            template = '"$username$"邀请"$names$"加入了群聊'
            links = _members_xml([actor], "username", False) + _members_xml(people, "names", True)
    elif what == "qr":
        sharer, person = who
        if sharer is you:
            template, links = '"$adder$"通过扫描你分享的二维码加入群聊', _members_xml([person], "adder", False)
        else:
            template = '"$adder$"通过扫描"$from$"分享的二维码加入群聊'
            links = _members_xml([person], "adder", False) + _members_xml([sharer], "from", False)
    else:
        return None
    return ('<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profile">'
            f"<plain><![CDATA[]]></plain><template><![CDATA[{template}]]></template><link_list>{links}</link_list>"
            "</content_template></sysmsgtemplate></sysmsg>")


class _Media:
    """Stable-looking media attributes, drawn from the exporter's own seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def hex(self, n: int = 32) -> str:
        return f"{self.rng.getrandbits(n * 4):0{n}x}"


# ---------------------------------------------------------------------------------------------
# MemoTrace 1.x

def _appmsg(sub: int, title: str, des: str = "", more: str = "") -> str:
    return (f'<msg><appmsg appid="" sdkver="0"><title>{escape(title)}</title><des>{escape(des)}</des>'
            f"<type>{sub}</type>{more}</appmsg></msg>")


def memotrace1_content(m: Msg, chat: Chat, media: _Media) -> tuple[int, int, str]:
    k, x = m.kind, m.extra or {}
    if m.system is not None:
        xml = join_template(m, chat.exporter)
        if xml:
            return 10000, 0, xml
        return 10000, 4 if k == "pat" else 0, system_text(m, chat, chat.exporter)
    if k == "text":
        return 1, 0, m.text
    if k == "image":
        return 3, 0, (f'<?xml version="1.0"?>\n<msg>\n\t<img aeskey="{media.hex()}" encryver="1" '
                      f'length="{media.rng.randint(40000, 900000)}" md5="{media.hex()}" />\n</msg>\n')
    if k == "voice":
        return 34, 0, (f'<msg><voicemsg endflag="1" cancelflag="0" forwardflag="0" voiceformat="4" '
                       f'voicelength="{x["seconds"] * 1000}" length="{x["seconds"] * 1600}" /></msg>')
    if k == "video":
        return 43, 0, (f'<?xml version="1.0"?>\n<msg>\n\t<videomsg length="{media.rng.randint(10**6, 10**7)}" '
                       f'playlength="{x["seconds"]}" md5="{media.hex()}" />\n</msg>\n')
    if k == "sticker":
        return 47, 0, (f'<msg><emoji fromusername="{m.sender.wxid}" tousername="{chat.key}" type="2" '
                       f'md5="{media.hex()}" len="{media.rng.randint(5000, 90000)}" productid="" /></msg>')
    if k == "location":
        lat, lng, addr = STORE_PLACE[x["store"]]
        return 48, 0, (f'<?xml version="1.0"?>\n<msg>\n\t<location x="{lat}" y="{lng}" scale="16" '
                       f'label="{addr}" maptype="0" poiname="{m.text}" />\n</msg>\n')
    if k == "link":
        return 49, 5, _appmsg(5, m.text, x.get("des", ""), f"<url>{escape(x['url'])}</url>")
    if k == "quote":
        q = m.quote
        ref = (f"<refermsg><type>1</type><svrid>{q.svrid}</svrid><fromusr>{chat.key}</fromusr>"
               f"<chatusr>{q.sender.wxid}</chatusr><displayname>{escape(q.sender.name)}</displayname>"
               f"<content>{escape(q.text)}</content><createtime>{q.ts}</createtime></refermsg>")
        return 49, 57, _appmsg(57, m.text, "", ref)
    if k == "red_packet":
        return 49, 2001, ('<msg><appmsg appid="" sdkver=""><des><![CDATA[我给你发了一个红包，赶紧去拆!]]></des>'
                          "<title><![CDATA[微信红包]]></title><type>2001</type><wcpayinfo>"
                          f"<sendertitle><![CDATA[{m.text}]]></sendertitle><scenetext><![CDATA[微信红包]]></scenetext>"
                          "</wcpayinfo></appmsg></msg>")
    if k == "transfer":
        amt = x["amount"]
        return 49, 2000, ('<msg><appmsg appid="" sdkver=""><title><![CDATA[微信转账]]></title>'
                          f"<des><![CDATA[收到转账{amt}元。如需收钱，请点此升级至最新版本]]></des><type>2000</type>"
                          f"<wcpayinfo><paysubtype>1</paysubtype><feedesc><![CDATA[￥{amt}]]></feedesc>"
                          "<pay_memo><![CDATA[]]></pay_memo></wcpayinfo></appmsg></msg>")
    if k == "solitaire":
        return 49, 53, _appmsg(53, m.text)
    raise ValueError(k)


def write_memotrace1(chat: Chat, folder: Path, rng: random.Random) -> list[Path]:
    """`<备注>/<备注>_utf8.csv`, written by Python's csv module exactly as MemoTrace does."""
    media = _Media(rng)
    folder = folder / chat.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chat.name}_utf8.csv"
    talker_id = rng.randint(3, 400)
    local_id = rng.randint(1000, 90000)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent",
                    "StrTime", "Remark", "NickName", "Sender"])
        for m in chat.msgs:
            local_id += 1
            type_, sub, content = memotrace1_content(m, chat, media)
            who = m.sender
            mine = who is chat.exporter
            names = ["", who.name, who.wxid] if who is not None and m.system is None else ["", "", ""]
            w.writerow([local_id, talker_id, type_, sub, int(mine), m.ts, "", content, local(m.ts), *names])
    return [path]


# ---------------------------------------------------------------------------------------------
# MemoTrace 2.x

def memotrace2_content(m: Msg, chat: Chat) -> tuple[str, str]:
    k, x = m.kind, m.extra or {}
    if m.system is not None:
        return ("拍一拍", system_text(m, chat, None)) if k == "pat" else ("系统消息", system_text(m, chat, None))
    simple = {"image": ("图片", "【图片】"), "voice": ("语音", "【语音】"), "video": ("视频", "【视频】"),
              "red_packet": ("红包", f"【红包】: {m.text}")}
    if k in simple:
        return simple[k]
    if k in ("text", "solitaire"):  # people copy-paste 接龙 lists as plain text
        return "文本", m.text
    if k == "sticker":
        return "表情包", f"【表情包】 {x.get('desc', '')}"
    if k == "link":
        return "分享链接", f"【分享链接】\n标题：{m.text}\n描述：{x.get('des', '')}\n链接: {x['url']}\n应用："
    if k == "location":
        return "位置分享", f"【位置分享】{m.text}"
    if k == "quote":
        return "引用消息", f"{m.text}\n引用：{m.quote.sender.name}: {m.quote.text}"
    if k == "transfer":
        return "转账", f"【发起转账】:￥{x['amount']}\n备注: "
    raise ValueError(k)


def write_memotrace2(chat: Chat, folder: Path, rng: random.Random) -> list[Path]:
    """`聊天记录/<备注>(<wxid>)/<备注>.csv` with the Chinese header and `more` in the last column."""
    folder = folder / f"{chat.name}({chat.key})"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chat.name}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["消息ID", "类型", "发送人", "时间", "内容", "备注", "昵称", "更多信息"])
        for m in chat.msgs:
            type_name, content = memotrace2_content(m, chat)
            who = m.sender if m.system is None else (m.system[1] if m.kind == "pat" else None)
            name = who.name if who is not None else ""
            w.writerow([str(m.svrid), type_name, name, local(m.ts), content, name, name, "more"])
    return [path]


# ---------------------------------------------------------------------------------------------
# PyWxDump

def pywxdump_content(m: Msg, chat: Chat, media: _Media) -> tuple[str, str, str]:
    """(type_name, msg, src)"""
    k, x = m.kind, m.extra or {}
    month = dt.datetime.fromtimestamp(m.ts, TZ).strftime("%Y-%m")
    if m.system is not None:
        if k == "recall":
            return "消息撤回1", f"<revokemsg>{system_text(m, chat, chat.exporter)}</revokemsg>", ""
        if k == "pat":
            return "拍一拍", "拍一拍", ""
        return "系统通知", join_template(m, chat.exporter) or system_text(m, chat, chat.exporter), ""
    if k == "text":
        return "文本", m.text, ""
    if k == "image":
        return "图片", "图片", f"FileStorage\\MsgAttach\\{media.hex()}\\Image\\{month}\\{media.hex()}.dat"
    if k == "voice":
        return "语音", f"语音时长：{x['seconds']:.2f}秒", f"FileStorage\\Voice\\{media.hex(16)}.silk"
    if k == "video":
        return "视频", "视频", f"FileStorage\\Video\\{month}\\{media.hex()}.mp4"
    if k == "sticker":
        return "动画表情", "表情", f"http://wxapp.tc.qq.com/262/20304/stodownload?m={media.hex()}&filekey={media.hex()}"
    if k == "link":
        return "卡片式链接", f"{m.text}\n{x.get('des', '')}\n\n<a href=\"{x['url']}\">点击查看详情</a>", ""
    if k == "location":
        lat, lng, addr = STORE_PLACE[x["store"]]
        return "位置", f"纬度:【{lat}】 经度:【{lng}】\n位置：{m.text} {addr}\n其他信息：{{}}", ""
    if k == "quote":
        q = m.quote
        return "引用回复", f"{m.text}\n\n[引用]({local(q.ts)}){q.sender.name}:{q.text}", ""
    if k == "red_packet":
        return "红包", "红包", ""
    if k == "transfer":
        return "转账", f"已收款：￥{x['amount']}\n转账说明：\n转账时间：{local(m.ts)}", ""
    raise ValueError(k)


def _pywxdump_rows(chat: Chat, media: _Media) -> Iterator[list]:
    for i, m in enumerate(chat.msgs, 1):
        type_name, msg, src = pywxdump_content(m, chat, media)
        if m.system is not None and m.kind != "pat":
            talker, mine = "系统", 0
        else:
            who = m.sender if m.system is None else m.system[1]
            talker, mine = who.wxid, int(who is chat.exporter)
        yield [i, str(m.svrid), type_name, mine, talker, chat.key, msg, src, local(m.ts)]


def write_pywxdump(chat: Chat, folder: Path, rng: random.Random) -> list[Path]:
    """`export/<wxid>/<wxid>_<first>_<last>.csv`, 5000 rows a page, with users.json beside them."""
    media = _Media(rng)
    folder = folder / chat.key
    folder.mkdir(parents=True, exist_ok=True)
    header = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"]
    paths: list[Path] = []
    rows = list(_pywxdump_rows(chat, media))
    for first in range(0, len(rows), PYWXDUMP_PAGE):
        page = rows[first:first + PYWXDUMP_PAGE]
        path = folder / f"{chat.key}_{first + 1}_{first + len(page)}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(page)
        paths.append(path)
    users = {chat.key: {"wxid": chat.key, "nickname": chat.name, "remark": "", "account": "", "describe": "",
                        "headImgUrl": ""}}
    for mem in chat.members:
        p = mem.person
        users[p.wxid] = {"wxid": p.wxid, "nickname": p.name, "remark": "", "account": "", "describe": "",
                         "headImgUrl": f"https://wx.qlogo.cn/mmhead/ver_1/{media.hex(24)}/132"}
    with open(folder / "users.json", "w", encoding="utf-8") as fh:
        json.dump(users, fh, ensure_ascii=False, indent=1)
    return paths


WRITERS = {"memotrace1": write_memotrace1, "memotrace2": write_memotrace2, "pywxdump": write_pywxdump}
FORMAT_NAMES = {"memotrace1": "wechat_memotrace_csv", "memotrace2": "wechat_memotrace_csv",
                "pywxdump": "wechat_pywxdump_csv"}
