"""Every page runs under AppTest with no exception, on an empty database and on real data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.ui.i18n import catalog

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES = ["app_pages/overview.py", "app_pages/data.py", "app_pages/activity.py"]
TRUTH = json.loads((Path(__file__).resolve().parent.parent / "sample_data" / "truth.json").read_text(encoding="utf-8"))


def _run(monkeypatch: pytest.MonkeyPatch, db: Path, page: str, **state) -> AppTest:
    monkeypatch.setenv("QUNXI_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_pages_on_an_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, page: str) -> None:
    at = _run(monkeypatch, tmp_path / "none.duckdb", page)
    assert at.info, "an empty page should say what to import"


@pytest.mark.slow
def test_overview_on_fixture_data(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _run(monkeypatch, fixture_db, PAGES[0])
    metrics = {(m.label, m.value) for m in at.metric}
    assert ("近28天消息", "23") in metrics  # 新手妈妈群: 33 messages, 10 of them system notices
    assert ("周活跃率", "100%") in metrics
    assert len(at.get("plotly_chart")) == 1  # one-day chats draw no weekly trend, only the daily chart


@pytest.mark.slow
def test_overview_in_english_and_organic(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _run(monkeypatch, fixture_db, PAGES[0], lang="en", f_organic=True)
    assert any(m.label == "Messages, 28 days" for m in at.metric)
    assert at.query_params["organic"] == ["1"] or at.query_params["organic"] == "1"


@pytest.mark.slow
def test_data_page_lists_imports(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _run(monkeypatch, fixture_db, PAGES[1])
    assert at.dataframe[0].value.shape[0] == 8


@pytest.mark.slow
def test_upload_through_the_data_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from conftest import FIXTURE_FILES

    db = tmp_path / "up.duckdb"
    at = _run(monkeypatch, db, PAGES[1])
    f = FIXTURE_FILES["memotrace_txt"]
    at.file_uploader(key="uploads").upload(f.name, f.read_bytes(), "text/plain")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert db.exists()
    from conftest import rows
    assert rows(db, "select count(*) from messages") == [(10,)]


@pytest.mark.slow
def test_upload_other_platforms_and_a_mapped_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import io
    import zipfile

    from conftest import CONFORMANCE, NO_CONFORMANCE, conformance_dir, rows

    if CONFORMANCE is None:  # the real samples it uploads are beside the checkout, not in it
        pytest.skip(NO_CONFORMANCE)
    db = tmp_path / "multi.duckdb"
    at = _run(monkeypatch, db, PAGES[1])
    telegram = conformance_dir("telegram", "telegram-chat-analyzer__raw0.json")
    chat = conformance_dir("whatsapp", "chat-miner__test_ddmmyy_24hrs.txt").read_bytes()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("_chat.txt", chat)
    at.file_uploader(key="uploads").upload(telegram.name, telegram.read_bytes(), "application/json")
    at.file_uploader(key="uploads").upload("WhatsApp Chat - 周末群.zip", zipped.getvalue(), "application/zip")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert rows(db, "select format, n_new from imports order by format") == [("telegram_json", 13),
                                                                              ("whatsapp_txt", 9)]
    assert rows(db, "select name from chats where platform = 'whatsapp'") == [("周末群",)]

    # an unrecognised table, then the same with its columns named in the form
    table = "发送时间,发送人,内容\n2025-03-01 09:00:00,小红,早上好\n2025-03-01 09:05:00,阿芳,有活动吗\n".encode()
    at.file_uploader(key="uploads").upload("店铺群.csv", table, "text/csv")
    at.button[0].click().run()
    assert not at.exception and at.error, "an unrecognised table gets one clear error"
    assert "无法识别" in at.error[0].value and any("指定列" in i.value for i in at.info)
    at.file_uploader(key="uploads").upload("店铺群.csv", table, "text/csv")
    at.text_input(key="map_time").set_value("发送时间")
    at.text_input(key="map_sender").set_value("发送人")
    at.text_input(key="map_text").set_value("内容")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert rows(db, "select sender_name, text from messages m join chats c using (chat_id) "
                    "where c.platform = 'generic' order by ts") == [("小红", "早上好"), ("阿芳", "有活动吗")]


def _metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


@pytest.mark.slow
def test_overview_cards_show_the_planted_members(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    """Members at the end of the export = members ever minus those removed (truth.json)."""
    at = _run(monkeypatch, demo_db, PAGES[0])
    members = [int(v.replace(",", "")) for label, v in _metrics(at) if label == "群成员"]
    expected = sorted(c["members"] - c["removals"] for c in TRUTH["chats"].values())
    assert sorted(members) == expected
    assert len(at.get("plotly_chart")) == 4  # three weekly sparklines and the daily chart
    assert at.warning, "the sample plants weeks worth an alert"


ACTIVITY_TABS = ("trend", "when", "members", "participation", "conversations", "responses", "cohorts", "compare")


def _tab(name: str, lang: str = "zh") -> str:
    return catalog()[f"activity.tab_{name}"][lang]


def _activity(monkeypatch: pytest.MonkeyPatch, db: Path, tab: str = "trend", **state) -> AppTest:
    at = _run(monkeypatch, db, PAGES[2], act_tab=_tab(tab, state.get("lang", "zh")), **state)
    assert not at.error, [e.value for e in at.error]
    return at


def _open_tab(at: AppTest, tab: str, lang: str = "zh") -> AppTest:
    at.session_state["act_tab"] = _tab(tab, lang)
    at.run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    return at


@pytest.mark.slow
def test_activity_all_chats_counts_the_planted_lurkers(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _activity(monkeypatch, demo_db)
    assert "从未发言" not in dict(_metrics(at)), "only the open tab draws"
    charts = downloads = 0
    for tab in ACTIVITY_TABS:
        _open_tab(at, tab)
        charts += len(at.get("plotly_chart"))
        downloads += len(at.get("download_button"))
        if tab == "members":
            metrics = dict(_metrics(at))
            assert metrics["从未发言"] == str(sum(v["count"] for v in TRUTH["lurkers"].values()))
    assert charts == 9
    assert downloads >= 12


@pytest.mark.slow
@pytest.mark.parametrize("organic", [False, True])
def test_activity_one_chat(monkeypatch: pytest.MonkeyPatch, demo_db: Path, organic: bool) -> None:
    """One chat, all or organic: the members table holds its speakers and lurkers (truth.json)."""
    from conftest import rows

    chat_id = rows(demo_db, "select chat_id from chats where name = 'VIP老客群'")[0][0]
    at = _activity(monkeypatch, demo_db, "members", f_chats=[chat_id], f_organic=organic)
    truth = TRUTH["chats"]["vip"]
    table = at.dataframe[0].value
    assert set(table["chat_name"]) == {"VIP老客群"}
    spoke = int((table["messages"] > 0).sum())
    assert spoke == (truth["organic_speakers"] if organic else truth["speakers"])
    assert dict(_metrics(at))["从未发言"] == str(TRUTH["lurkers"]["VIP老客群"]["count"])
    assert at.query_params["chats"] in (chat_id, [chat_id])


@pytest.mark.slow
def test_activity_date_range_with_no_data(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    """新手妈妈群 starts in June: May alone has nothing to show, and every section says so."""
    from conftest import rows

    chat_id = rows(demo_db, "select chat_id from chats where name = '新手妈妈群'")[0][0]
    at = _activity(monkeypatch, demo_db, f_chats=[chat_id], f_dates=(dt.date(2025, 5, 1), dt.date(2025, 5, 20)))
    infos = 0
    for tab in ACTIVITY_TABS:
        _open_tab(at, tab)
        infos += len(at.info)
        assert not at.get("plotly_chart"), tab
    assert infos >= 5


@pytest.mark.slow
def test_activity_in_english_with_other_choices(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    # a fresh session per tab: AppTest formats the last run's widgets in the default language
    for tab in ACTIVITY_TABS:
        at = _activity(monkeypatch, demo_db, tab, lang="en", f_organic=True, act_period="month", act_gap=60,
                       act_measure="stickiness", act_ineq_window="range")
        assert at.get("plotly_chart") or at.dataframe, tab
        if tab == "members":
            assert any(label == "Never spoke" for label, _ in _metrics(at))


@pytest.mark.slow
@pytest.mark.parametrize("organic", [False, True])
def test_overview_one_chat_and_an_empty_range(monkeypatch: pytest.MonkeyPatch, demo_db: Path, organic: bool) -> None:
    """One chat: one card with its planted members; a range before the chat began: no card figures
    but a clear empty state, never an error."""
    from conftest import rows

    chat_id = rows(demo_db, "select chat_id from chats where name = '福利群'")[0][0]
    at = _run(monkeypatch, demo_db, PAGES[0], f_chats=[chat_id], f_organic=organic)
    members = [v for label, v in _metrics(at) if label == "群成员"]
    truth = TRUTH["chats"]["perks"]
    if not organic:
        assert members == [str(truth["members"] - truth["removals"])]
    else:
        assert len(members) == 1 and int(members[0]) < truth["members"] - truth["removals"]
    at = _run(monkeypatch, demo_db, PAGES[0], f_chats=[chat_id], f_organic=organic,
              f_dates=(dt.date(2025, 5, 1), dt.date(2025, 5, 10)))
    assert not at.error and any("没有数据" in i.value for i in at.info), [i.value for i in at.info]
    assert not [v for label, v in _metrics(at) if label == "群成员"], "no zeros where there is no data"


@pytest.mark.slow
def test_activity_compare_shows_the_busiest_chats_when_many_are_selected(monkeypatch: pytest.MonkeyPatch,
                                                                           demo_db: Path) -> None:
    from conftest import rows

    from dashboard.ui import activity_talk

    monkeypatch.setattr(activity_talk, "MAX_COMPARED", 2)
    at = _activity(monkeypatch, demo_db, "compare")
    busiest = [r[0] for r in rows(demo_db, """select c.name from messages m join chats c using (chat_id)
                                              where m.kind not in ('system', 'recall')
                                              group by c.name order by count(*) desc limit 2""")]
    assert at.dataframe[0].value["chat_name"].tolist() == busiest
    assert any("消息最多的 2 个" in c.value for c in at.caption), [c.value for c in at.caption]
    monkeypatch.setattr(activity_talk, "MAX_COMPARED", 50)  # all three fit: every chat is compared
    _open_tab(at, "compare")
    assert len(at.dataframe[0].value) == 3
