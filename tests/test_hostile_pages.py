"""Hostile names and messages (docs/architecture.md §7): a chat called `![t](http://evil.example/x.png)`
must read as typed on every page and never become an image the browser fetches. A small export
whose chat names, member names, message texts, event title and rule name are markdown, HTML,
LaTeX and web addresses is imported through the normal pipeline; every page and tab is drawn
under AppTest (the markdown each element receives carries the text escaped) and in Chromium (the
text reads literally, nothing is rendered, nothing but loopback is requested)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.charts import activity as activity_charts
from dashboard.charts import events as event_charts
from dashboard.charts import growth as growth_charts
from dashboard.charts import quick, style
from dashboard.charts import roles as role_charts
from dashboard.core import db, event_records, rules, user_queries
from dashboard.core.ingest.pipeline import ingest_file
from dashboard.ui import safe
from dashboard.ui.i18n import catalog

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")

IMAGE = "![t](http://evil.example/x.png)"
RAW_IMAGE = "<img src=http://evil.example/y.png>"
CHATS = [f"{IMAGE} 宝妈群", f"{RAW_IMAGE} **粗体** $x^2$ 群"]
OWNER = "店长"
LONG = "很长的名字" * 40  # 200 characters without a space
MEMBERS = ["[点我](http://evil.example/z)", "<script>alert(1)</script>", "**粗体**_斜体_", "$x$ 与 $$y$$", "[/]",
           ":red[红] :smile: :material_home: :streamlit:", "# 标题 > 引用", LONG, "a`b``c", "&lt;b&gt;实体 &amp;",
           "<a href=http://evil.example/a>链接</a>", "www.evil.example a@evil.example", "普通妈妈"]
TEXTS = ["![m](http://evil.example/m.png)", "<img src=http://evil.example/n.png>", "看这里 http://evil.example/bare",
         "<script>alert('x')</script>", "**加粗** _斜_ ~~删~~", "$x^2$ 和 $$y$$", "[/] [x](y)", "有人知道怎么报名吗？",
         "> 引用\n# 标题\n- 列表", ":red[红字] :smile: a -> b", "| a | b |\n|---|---|\n| 1 | 2 |", "谢谢大家"]
ANNOUNCED = "<b>烘焙课</b>**$z$**_(y)_<img/src=http://evil.example/e.png>"
EVENT = "<b>烘焙课</b>**$z$**_(y)_<img/src=http"  # the title read from it: up to the first colon
RULE = "![r](http://evil.example/r.png) <i>规则</i> $r$"
QUERY_TITLE = "![q](http://evil.example/q.png) **查询** <b>标题</b>"
# what each kind of page element shows literally, whichever tab it is on
LITERAL_SOMEWHERE = [*CHATS, *MEMBERS[:7], *TEXTS[:5], TEXTS[6], RULE]
START = dt.datetime(2025, 3, 1, 9, 0)
CSV_MAP = {"time": "time", "chat": "chat", "sender": "sender", "sender_id": "sender_id", "text": "text",
           "kind": "kind", "platform": "wechat"}


def _records() -> list[tuple]:
    """Six weeks of two chats: the owner's morning message, members taking turns with hostile
    texts, joins by invitation, and the owner announcing an event with a hostile title."""
    out = []
    for c, chat in enumerate(CHATS):
        members = MEMBERS if c == 0 else MEMBERS[::2]
        out.append((START, chat, "", "", f'"{OWNER}"邀请"{"、".join(members[:6])}"加入了群聊', "系统消息"))
        out.append((START + dt.timedelta(days=2), chat, "", "", f'"{OWNER}"邀请"{"、".join(members[6:])}"加入了群聊',
                    "系统消息"))
        for day in range(42):
            t0 = START + dt.timedelta(days=day, minutes=5)
            out.append((t0, chat, OWNER, "wxid_owner", "早上好，大家今天怎么样？", "文本"))
            if day == 6:
                out.append((t0 + dt.timedelta(minutes=1), chat, OWNER, "wxid_owner",
                            f"【活动预告】4月5日 10:00 {ANNOUNCED}，欢迎报名", "文本"))
            for i, m in enumerate(members):
                if (day + i) % 3 == 0 or (day < 20 and i % 2 == 0):
                    out.append((t0 + dt.timedelta(minutes=3 * i + 1, seconds=c), chat, m,
                                f"wxid_{MEMBERS.index(m)}", TEXTS[(day + i) % len(TEXTS)], "文本"))
    return out


def build(folder: Path) -> Path:
    """The hostile store: the export (its file name hostile too), the owner declared, the event
    found in the chat confirmed, a rule of the owner's with a hostile name, and a saved query
    with a hostile title in `folder / "queries"`."""
    database = folder / "hostile.duckdb"
    export = folder / "**导出**_[x](y)_$z$.csv"
    with export.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("time", "chat", "sender", "sender_id", "text", "kind"))
        w.writerows((r[0].strftime("%Y-%m-%d %H:%M:%S"), *r[1:]) for r in _records())
    ingest_file(export, database, mapping=CSV_MAP)
    notes = folder / "members.csv"
    notes.write_text("群,微信号,群昵称,角色,领域,会员号,手机尾号,是否小号,备注\n"
                     + "".join(f"{c},wxid_owner,{OWNER},店长,,,,,\n" for c in CHATS), encoding="utf-8")
    ingest_file(notes, database)
    with db.writer(database) as con:
        for (detect_id,) in con.execute("select detect_id from chat_events order by detect_id").fetchall():
            event_records.decide(con, detect_id, confirm=True)
        extra = (f'\n[[rule]]\nid = "hostile"\nname = "{RULE.replace(chr(34), chr(92) + chr(34))}"\n'
                 'kind = "keywords"\ncategory = "<b>类</b>"\nterms = ["谢谢"]\napplies_to = "everyone"\n')
        with db.change(con):
            rules.save(con, rules.default_text() + extra)
    with _env("QUNXI_USER_QUERIES", str(folder / "queries")):
        user_queries.save("hostile", QUERY_TITLE, "![d](http://evil.example/d.png) <b>说明</b>", "",
                          "select name from chats", grain="$g$ [一行](http://evil.example/g)")
    return database


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("hostile"))


@pytest.mark.slow
def test_the_export_keeps_every_hostile_text(hostile_db: Path) -> None:
    """The fixture holds what the pages are to show literally: stored as written."""
    with db.reader(hostile_db) as con:
        chats = [r[0] for r in con.execute("select name from chats order by name").fetchall()]
        names = {r[0] for r in con.execute("select name from member_names").fetchall()}
        texts = {r[0] for r in con.execute("select text from messages where text is not null").fetchall()}
        events = [r[0] for r in con.execute("select name from store_events").fetchall()]
        hits = con.execute("select count(*) from rule_hits where rule_id = 'hostile'").fetchone()[0]
        files = [r[0] for r in con.execute("select file_name from imports order by import_id").fetchall()]
    assert chats == sorted(CHATS)
    assert set(MEMBERS) | {OWNER} == names
    assert set(TEXTS) <= texts
    assert events == [EVENT, EVENT]  # one announcement in each chat
    assert hits > 0
    assert files[0] == "**导出**_[x](y)_$z$.csv"


# ---------------------------------------------------------------------------------------------
# the helpers

_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@pytest.mark.parametrize("text", [*CHATS, *MEMBERS, *TEXTS, EVENT, RULE, QUERY_TITLE, "", "\\", "\\*", "1. a"])
def test_md_escapes_every_markdown_character_and_keeps_the_text(text: str) -> None:
    out = safe.md(text)
    # every ASCII punctuation character escaped (a backslash before it, itself not escaped) …
    assert re.fullmatch(r"(?:\\[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~])*", out), out
    # … and nothing else changed but newlines (one line) and invisible word joiners
    assert _UNESCAPE.sub(r"\1", out).replace(safe.WORD_JOINER, "") == re.sub(r"\s*\n\s*", " ", text)


def test_md_breaks_what_is_rewritten_after_parsing() -> None:
    """Web addresses, e-mail addresses, :shortcodes: and arrows are found in the parsed text,
    where a backslash no longer counts: a word joiner sits inside each."""
    j = safe.WORD_JOINER
    assert safe.md(IMAGE) == f"\\!\\[t\\]\\(http\\:{j}\\/\\/evil\\.example\\/x\\.png\\)"
    assert safe.md("www.a.b a@b.c") == f"www{j}\\.a\\.b a{j}\\@b\\.c"
    assert safe.md(":smile: :streamlit:") == f"\\:{j}smile\\: \\:{j}streamlit\\:"
    assert safe.md("a -> b") == f"a \\-{j}\\> b"
    assert safe.md(None) == "—"
    assert safe.md("一\n# 二") == "一 \\# 二"


def test_code_fences_backticks_and_ident_passes_only_plain_names() -> None:
    assert safe.code("VARCHAR[]") == "`VARCHAR[]`"
    assert safe.code("a`b``c") == "```a`b``c```"
    assert safe.code("`x") == "`` `x ``"
    assert [safe.ident(x) for x in ("chat_ids", "mine/since_count", "varchar[]", "_x_", "a__b")] == \
        ["chat_ids", "mine/since_count", "varchar\\[\\]", "\\_x\\_", "a\\_\\_b"]


def _strings(spec: object) -> Iterator[str]:
    if isinstance(spec, str):
        yield spec
    elif isinstance(spec, dict):
        for k, v in spec.items():
            # templates are ours (they hold <br> and <extra>); groups, ids and parents are not shown
            if k not in ("hovertemplate", "texttemplate", "legendgroup", "ids", "parents", "uid"):
                yield from _strings(v)
    elif isinstance(spec, list | tuple):
        for v in spec:
            yield from _strings(v)


def _raw_html(fig: object) -> list[str]:
    """Strings of a figure where plotly would read a tag or an entity the data brought."""
    spec = fig if isinstance(fig, dict) else json.loads(fig.to_json())
    # escaped, a string has no "<" and every "&" starts &amp; &lt; or &gt;
    return [s for s in _strings(spec) if re.search(r"<|&(?!(?:amp|lt|gt);)", s)]


def test_figures_show_names_as_typed() -> None:
    """The builders' figures hold names and titles escaped for plotly: legend names, category
    ticks and their order, annotations, sunburst and Sankey labels, axis and colorbar titles."""
    days = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(3)]
    daily = pl.DataFrame({"chat_name": [CHATS[1]] * 3, "day": days, "messages": [3, 4, 5], "speakers": [1, 2, 3]})
    fig = activity_charts.daily_messages_and_speakers(daily, {"day": "d", "messages": "m", "speakers": "s"})
    event_charts.mark_events(fig, pl.DataFrame({"event_id": ["e"], "event_day": [days[1]], "name": [EVENT]}))
    assert fig.data[0].name == style.plain(CHATS[1]) and fig.layout.annotations[-1].text == style.plain(EVENT)
    forest = event_charts.forest(
        pl.DataFrame({"label": [EVENT], "category": [RULE], "estimate": [1.0], "low90": [0.0], "high90": [2.0],
                      "verdict": ["clear_lift"], "verdict_text": [MEMBERS[1]]}),
        pl.DataFrame(schema={"label": pl.String, "category": pl.String, "estimate": pl.Float64,
                             "low90": pl.Float64, "high90": pl.Float64, "verdict": pl.String,
                             "verdict_text": pl.String}), {"extra": "x", "mean": "m"})
    assert forest.data[0].y == (style.plain(EVENT),) and forest.layout.yaxis.categoryarray == (style.plain(EVENT),)
    sun = growth_charts.sunburst(pl.DataFrame({"id": ["c", "m"], "parent": ["", "c"], "label": [CHATS[0], MEMBERS[10]],
                                               "generation": [None, 0]}))
    assert sun.data[0].labels == (style.plain(CHATS[0]), style.plain(MEMBERS[10]))
    flows = growth_charts.movement(pl.DataFrame({"from_name": [CHATS[0]], "to_name": [CHATS[1]], "members": [2]}))
    assert flows.data[0].node.label == tuple(style.plain(c) for c in sorted(CHATS))
    grid = role_charts.rfm_grid(pl.DataFrame({"r_score": [1], "f_score": [1], "members": [2], "segment": [RULE]}),
                                {"r": "r", "f": "f", "members": "m"})
    assert grid.data[0].text[0][0] == style.plain(RULE) and grid.data[0].texttemplate == "%{z}<br>%{text}"
    frame = pl.DataFrame({MEMBERS[1]: CHATS, RAW_IMAGE: [1, 2], "n": [3, 4]})
    heat, _ = quick.heatmap(frame, MEMBERS[1], "n", RAW_IMAGE)
    assert heat.data[0].x == tuple(style.plain(c) for c in sorted(CHATS))
    assert heat.layout.xaxis.title.text == style.plain(MEMBERS[1])
    assert heat.data[0].colorbar.title.text == style.plain(RAW_IMAGE)
    for figure in (fig, forest, sun, flows, grid, heat):
        assert not _raw_html(figure), _raw_html(figure)


def test_literal_escapes_once() -> None:
    daily = pl.DataFrame({"chat_name": ["<b>&</b>"], "day": [dt.date(2025, 3, 1)], "messages": [1], "speakers": [1]})
    fig = activity_charts.daily_messages_and_speakers(daily, {"day": "d", "messages": "m", "speakers": "s"})
    style.literal(style.apply(fig))
    assert fig.data[0].name == "&lt;b&gt;&amp;&lt;/b&gt;"


# ---------------------------------------------------------------------------------------------
# every page under AppTest

PAGES = {  # page: (tab state key, catalog prefix of the tab labels, tabs)
    "overview": (None, None, [None]),
    "data": (None, None, [None]),
    "activity": ("act_tab", "activity", ["trend", "when", "members", "participation", "conversations", "responses",
                                         "cohorts", "compare"]),
    "cold_start": ("cs_tab", "cold", ["takeoff", "seeding", "spells", "alts"]),
    "roles": ("roles_tab", "roles", ["members", "rfm", "talk", "diversity", "experts", "replies", "links"]),
    "events": ("ev_tab", "events", ["overview", "one", "detected", "links", "timeline"]),
    "growth": ("gr_tab", "growth", ["joins", "tree", "inviters", "cohorts", "movement", "packets"]),
    "rules": ("ru_tab", "rules", ["hits", "weeks", "members", "edit"]),
    "sql": ("sql.browser_tab", "sql", ["tables", "queries", "history"]),
}
MARKDOWN_ELEMENTS = ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader",
                     "latex", "toast")
LABELLED = ("metric", "expander", "tab", "status", "button", "checkbox", "toggle", "radio", "selectbox",
            "multiselect", "select_slider", "slider", "text_input", "text_area", "number_input", "date_input",
            "time_input", "color_picker", "chat_input", "download_button")
# the hostile texts with markdown in them: where one is found as written, it was not escaped
ACTIVE = [s for s in {*CHATS, *MEMBERS, *TEXTS, EVENT, RULE, QUERY_TITLE} if re.search(r"[!-/:-@\[-`{-~]", s)]


def _markdown_sources(at: AppTest) -> list[str]:
    """Every text of the drawing that Streamlit renders as markdown: bodies, labels and help."""
    out = []
    for kind in MARKDOWN_ELEMENTS:
        out += [str(e.value) for e in at.get(kind)]
    for kind in LABELLED:
        for e in at.get(kind):
            out += [str(getattr(e, a)) for a in ("label", "help") if getattr(e, a, None)]
    for e in at.get("radio"):
        out += [str(o) for o in e.options]
    return out


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def _draw(monkeypatch: pytest.MonkeyPatch, database: Path, page: str, lang: str, tab: str | None) -> AppTest:
    monkeypatch.setenv("QUNXI_DB", str(database))
    monkeypatch.setenv("QUNXI_USER_QUERIES", str(database.parent / "queries"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    key, prefix, _ = PAGES[page]
    if tab is not None:
        at.session_state[key] = catalog()[f"{prefix}.tab_{tab}"][lang]
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _check(at: AppTest, where: str) -> str:
    """No hostile text reaches markdown or a figure unescaped; returns the drawing's markdown
    and its figures' texts."""
    sources = _markdown_sources(at)
    raw = [(h, s) for s in sources for h in ACTIVE if h in s]
    assert not raw, (where, raw)
    figures = [s for f in _figures(at) for s in _strings(f)]
    bad = [s for f in _figures(at) for s in _raw_html(f)]
    assert not bad, (where, bad)
    assert not at.error, (where, [e.value for e in at.error])
    return "\n".join(sources + figures)


@pytest.mark.slow
@pytest.mark.parametrize("page", list(PAGES))
def test_every_tab_escapes_the_hostile_texts(monkeypatch: pytest.MonkeyPatch, hostile_db: Path, page: str) -> None:
    drawn = ""
    for tab in PAGES[page][2]:
        drawn += _check(_draw(monkeypatch, hostile_db, page, "zh", tab), f"{page}/{tab}")
    # the texts each page shows in markdown arrive there escaped (one of each group)
    either_chat = tuple(safe.md(c) for c in CHATS)
    expected = {
        "overview": [(f"**{safe.md(CHATS[0])}**",), (f"**{safe.md(CHATS[1])}**",)],
        "data": [(safe.md(hostile_db),)],  # the database's path (the imports are a grid: plain text)
        "activity": [either_chat],
        "cold_start": [either_chat],
        "roles": [(style.plain(MEMBERS[1]),)],  # a name in the reply network
        "events": [(safe.md(f"{EVENT} · 2025-04-05"),), (style.plain(EVENT),)],
        "growth": [(style.plain(MEMBERS[10]),), (style.plain(CHATS[0]),)],  # the invitation tree
        "rules": [(safe.md(TEXTS[0]),), (safe.md(MEMBERS[0]),)],  # the first hit in its context
        "sql": [],
    }[page]
    missing = [e for e in expected if not any(x in drawn for x in e)]
    assert not missing, missing


@pytest.mark.slow
@pytest.mark.parametrize("page", ["overview", "activity", "rules", "sql"])
def test_english_pages_escape_too(monkeypatch: pytest.MonkeyPatch, hostile_db: Path, page: str) -> None:
    _check(_draw(monkeypatch, hostile_db, page, "en", PAGES[page][2][0]), page)


@pytest.mark.slow
def test_a_saved_query_of_ones_own_shows_its_title_escaped(monkeypatch: pytest.MonkeyPatch,
                                                           hostile_db: Path) -> None:
    at = _draw(monkeypatch, hostile_db, "sql", "zh", "queries")
    at.selectbox(key="sql.named").set_value("mine/hostile").run()
    drawn = _check(at, "sql/mine")
    assert f"**{safe.md(QUERY_TITLE)}**" in drawn
    assert safe.md("![d](http://evil.example/d.png) <b>说明</b>") in drawn


@pytest.mark.slow
def test_an_upload_with_a_hostile_file_name_reports_it_escaped(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    """The Data page's import status and a refused file's message name the file: escaped."""
    database = tmp_path / "up.duckdb"
    at = _draw(monkeypatch, database, "data", "zh", None)
    good = "time,sender,text\n2025-03-01 09:00:00,小红,早上好\n".encode()
    at.file_uploader(key="uploads").upload("![u](http:evil.example) [a].csv", good, "text/csv")
    for field, column in (("time", "time"), ("sender", "sender"), ("text", "text")):
        at.text_input(key=f"map_{field}").set_value(column)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    statuses = [str(e.label) for e in at.get("status")]
    assert any(safe.md("![u](http:evil.example) [a].csv") in s for s in statuses), statuses
    at.file_uploader(key="uploads").upload("<i>坏 $x$ **y**.csv", b"\x00\x01binary", "text/csv")
    at.button[0].click().run()
    assert at.error and safe.md("<i>坏 $x$ **y**.csv") in at.error[0].value, [e.value for e in at.error]
    assert not [h for h in ACTIVE if any(h in s for s in _markdown_sources(at))]


# ---------------------------------------------------------------------------------------------
# every page and tab in Chromium, in both languages

URL_ATTRIBUTES = ("src", "srcset", "href", "xlink:href", "style", "poster", "data", "action", "formaction",
                  "background")
RUNNING = "[data-testid=stStatusWidgetRunningIcon], [data-testid=stStatusWidgetRunningManIcon]"
# what the browser made of the page: attributes pointing off the machine, and markup that only
# rendering the data as markdown could have made
INSPECT = """urlAttributes => {
  const all = [...document.querySelectorAll('*')];
  const off = all.flatMap(e => [...e.attributes]
    .filter(a => urlAttributes.includes(a.name) && a.value.includes('evil.example'))
    .map(a => `${e.tagName} ${a.name}=${a.value}`));
  const text = e => e.textContent.replaceAll('\\u2060', '').trim();
  const rendered = all.filter(e =>
      (['EM', 'STRONG', 'DEL'].includes(e.tagName) && ['粗体', '斜体', '斜', '删', '加粗', '红字'].includes(text(e)))
      || (/^H[1-6]$/.test(e.tagName) && text(e) === '标题')
      || (e.tagName === 'BLOCKQUOTE' && text(e) === '引用')
      || e.classList.contains('katex') || e.tagName === 'SCRIPT' && e.textContent.includes('alert')
      || (e.tagName === 'TABLE' && text(e).startsWith('ab12')))
    .map(e => `${e.tagName}: ${text(e).slice(0, 80)}`);
  return {off, rendered, text: document.body.textContent.replaceAll('\\u2060', ''),
          errors: document.querySelectorAll('[data-testid=stException]').length};
}"""
SHOTS = {("zh", "overview", None), ("zh", "rules", "hits"), ("zh", "events", "one"), ("en", "growth", "joins"),
         ("zh", "roles", "replies"), ("en", "cold_start", "takeoff"), ("zh", "sql", "queries"), ("en", "data", None)}


def _settle(page) -> None:
    """Until the script run the last action started has drawn."""
    page.wait_for_timeout(500)
    page.wait_for_function(f"() => !document.querySelector('{RUNNING}')", timeout=120_000)
    page.wait_for_timeout(500)


def _stay_local(page) -> None:
    """Requests still show in page.on("request"); any that would leave the machine is stopped."""
    from browser_helpers import is_loopback

    page.route("**/*", lambda route: route.continue_() if is_loopback(route.request.url) else route.abort())


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_hostile_texts_read_literally_and_nothing_leaves_the_machine(browser, hostile_db: Path,
                                                                     tmp_path: Path) -> None:
    from browser_helpers import is_loopback, served

    # a copy: `qunxi serve` opens its database for writing at start
    folder = tmp_path / "served"
    shutil.copytree(hostile_db.parent, folder)
    requested: list[str] = []
    problems: list[str] = []
    seen = {"zh": "", "en": ""}
    with _env("QUNXI_USER_QUERIES", str(folder / "queries")), served(folder / hostile_db.name) as url:
        for lang in ("zh", "en"):
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.on("request", lambda r: requested.append(r.url))
            _stay_local(page)
            for name, (_, prefix, tabs) in PAGES.items():
                page.goto(f"{url}/{'' if name == 'overview' else name}?lang={lang}")
                page.wait_for_selector("h1", timeout=90_000)
                _settle(page)
                # every tab in Chinese; in English each page's first (the labels differ, the data's
                    # path to the screen does not, and AppTest checks English on every tab's markdown)
                for tab in tabs if lang == "zh" else tabs[:1]:
                    if tab is not None:
                        page.get_by_role("tab", name=catalog()[f"{prefix}.tab_{tab}"][lang], exact=True).click()
                        _settle(page)
                    if (lang, name, tab) == ("zh", "sql", "queries"):  # the analyst's own query
                        box = page.locator("[data-testid=stSelectbox]").filter(
                            has_text=catalog()["sql.query_pick"]["zh"]).locator("input")
                        box.click()
                        box.fill("mine/hostile")
                        page.keyboard.press("Enter")
                        _settle(page)
                    found = page.evaluate(INSPECT, list(URL_ATTRIBUTES))
                    where = f"{lang} {name} {tab}"
                    problems += [f"{where}: points off the machine: {x}" for x in found["off"]]
                    problems += [f"{where}: rendered from data: {x}" for x in found["rendered"]]
                    problems += [f"{where}: {found['errors']} exceptions"] if found["errors"] else []
                    problems += [f"{where}: traceback"] if "Traceback" in found["text"] else []
                    seen[lang] += found["text"]
                    if os.environ.get("QUNXI_SHOTS") and (lang, name, tab) in SHOTS:
                        shot = f"/tmp/hostile_{lang}_{name}{'_' + tab if tab else ''}.png"
                        page.screenshot(path=shot, full_page=True)
            page.close()
    assert not problems, "\n".join(problems)
    outside = sorted({u for u in requested if not is_loopback(u)})
    assert requested and not outside, outside
    for lang, text in seen.items():
        missing = [h for h in [*LITERAL_SOMEWHERE, *([QUERY_TITLE] if lang == "zh" else [])] if h not in text]
        assert not missing, (lang, missing)


RAW_APP = '''import streamlit as st
name = "![t](http://evil.example/x.png) **粗体** $x^2$ http://evil.example/bare"
st.markdown(f"**{name}**")
st.markdown("# 标题")
'''


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_browser_checks_see_data_rendered_as_markdown(browser, tmp_path: Path) -> None:
    """The inspection above finds what rendering a name as markdown makes: an image fetched from
    evil.example, a link, bold text, math and a heading (so its finding nothing means something)."""
    import subprocess
    import sys
    import time
    import urllib.request

    from browser_helpers import free_port, is_loopback

    script = tmp_path / "raw.py"
    script.write_text(RAW_APP, encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "streamlit did not start"
                time.sleep(0.3)
        requested: list[str] = []
        page = browser.new_page()
        page.on("request", lambda r: requested.append(r.url))
        _stay_local(page)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("h1", timeout=60_000)
        _settle(page)
        found = page.evaluate(INSPECT, list(URL_ATTRIBUTES))
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert set(found["off"]) == {"IMG src=http://evil.example/x.png", "A href=http://evil.example/bare"}
    assert {"STRONG: 粗体", "H1: 标题"} <= set(found["rendered"]) and any("x^2" in r for r in found["rendered"])
    assert [u for u in requested if not is_loopback(u)] == ["http://evil.example/x.png"]
