"""The system-message grammar (docs/formats.md §1.6), zh-CN and English clients."""

from __future__ import annotations

import pytest

from dashboard.core.ingest.system_events import SELF, parse_system
from dashboard.core.ingest.wechat_content import system_text

CASES = [
    ('"张三"邀请"李四、王五"加入了群聊', ("join", "张三", ["李四", "王五"], "invite")),
    ('你邀请"李四"加入了群聊', ("join", SELF, ["李四"], "invite")),
    ('"张三"邀请你加入了群聊，群聊参与人还有：A、B、C', ("join", "张三", [SELF], "invite")),
    ('"张三"邀请你和"李四"加入了群聊', ("join", "张三", [SELF, "李四"], "invite")),
    ('"李四"通过扫描"张三"分享的二维码加入群聊', ("join", "张三", ["李四"], "qr")),
    ('"李四"通过扫描你分享的二维码加入群聊', ("join", SELF, ["李四"], "qr")),
    ("你通过扫描二维码加入群聊，群聊参与人还有：甲、乙", ("join", None, [SELF], "qr")),
    ('"李四"通过"张三"的邀请二维码加入群聊', ("join", "张三", ["李四"], "qr")),
    ('你将"李四"移出了群聊', ("remove", SELF, ["李四"], None)),
    ('"张三"将"李四"移出了群聊', ("remove", "张三", ["李四"], None)),
    ('你被"张三"移出群聊', ("remove", "张三", [SELF], None)),
    ('"张三"修改群名为“新群名”', ("rename", "张三", [], None)),
    ("你修改群名为“宝妈群”", ("rename", SELF, [], None)),
    ('"张三"已成为新群主', ("owner", None, ["张三"], None)),
    ('"张三" 撤回了一条消息', ("recall", "张三", [], None)),
    ("你撤回了一条消息", ("recall", SELF, [], None)),
    ('"张三" 拍了拍 "李四"', ("pat", "张三", ["李四"], None)),
    ('"张三" 拍了拍 "李四" 的小脑袋', ("pat", "张三", ["李四"], None)),
    ('"张三" 拍了拍我', ("pat", "张三", [SELF], None)),
    ('我拍了拍"李四"', ("pat", SELF, ["李四"], None)),
    ("张三领取了你的红包", ("red_packet_claim", "张三", [SELF], None)),
    ("你领取了张三的红包", ("red_packet_claim", SELF, ["张三"], None)),
    ("张三 invited 李四, 王五 to the group chat", ("join", "张三", ["李四", "王五"], "invite")),
    ("You invited 李四 to the group chat", ("join", SELF, ["李四"], "invite")),
    ("张三 invited you and 李四 to the group chat", ("join", "张三", [SELF, "李四"], "invite")),
    ('"李四" joined group chat via the QR code shared by "张三"', ("join", "张三", ["李四"], "qr")),
    ('"李四" joined group chat via the QR code you shared', ("join", SELF, ["李四"], "qr")),
    ('You removed "李四" from the group chat', ("remove", SELF, ["李四"], None)),
    ('You were removed from the group chat by "张三"', ("remove", "张三", [SELF], None)),
    ('"张三" changed the group name to "New Name"', ("rename", "张三", [], None)),
    ('"张三" tickled "李四"', ("pat", "张三", ["李四"], None)),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_rule(text: str, expected: tuple) -> None:
    ev = parse_system(text)
    assert ev is not None
    assert (ev.kind, ev.actor, ev.subjects, ev.method) == expected


def test_rename_title_and_notices_without_events() -> None:
    assert parse_system('"张三"修改群名为“小雨点新手妈妈群”').title == "小雨点新手妈妈群"
    assert parse_system('"孙妈妈"与群里其他人都不是微信朋友关系，请注意隐私安全') is None
    assert parse_system("以下为新消息") is None


def test_system_text_unwraps_every_wrapper() -> None:
    assert system_text("<revokemsg>你撤回了一条消息</revokemsg>").text == "你撤回了一条消息"
    assert system_text('<![CDATA[你撤回了一条消息 <a href="weixin://revoke_edit_click">重新编辑</a>]]>').text == \
        "你撤回了一条消息"
    claim = ('<img src="SystemMessages_HongbaoIcon.png"/>  张三领取了你的<_wc_custom_link_ color="#FD9931" '
             'href="weixin://weixinhongbao/opendetail?sendid=1">红包</_wc_custom_link_>')
    assert system_text(claim).text == "张三领取了你的红包"
    revoke = ('<sysmsg type="revokemsg"><revokemsg><session>1@chatroom</session><newmsgid>9</newmsgid>'
              '<replacemsg><![CDATA["张三" 撤回了一条消息]]></replacemsg></revokemsg></sysmsg>')
    assert system_text(revoke).text == '"张三" 撤回了一条消息'
    tmpl = ('<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profile">'
            '<template><![CDATA["$username$"邀请"$names$"加入了群聊]]></template><link_list>'
            '<link name="username" type="link_profile"><memberlist><member><username><![CDATA[wxid_a]]></username>'
            '<nickname><![CDATA[周星星]]></nickname></member></memberlist></link>'
            '<link name="names" type="link_profile"><memberlist><member><username><![CDATA[wxid_b]]></username>'
            '<nickname><![CDATA[甲]]></nickname></member><member><username><![CDATA[wxid_c]]></username>'
            '<nickname><![CDATA[乙]]></nickname></member></memberlist><separator><![CDATA[、]]></separator></link>'
            '</link_list></content_template></sysmsgtemplate></sysmsg>')
    st = system_text(tmpl)
    assert st.text == '"周星星"邀请"甲、乙"加入了群聊'
    assert st.names == {"周星星": "wxid_a", "甲": "wxid_b", "乙": "wxid_c"}
