"""The SQL page under AppTest: every named query opens and runs from the page with its defaults,
typed SQL runs in the sandbox (results, DuckDB's errors, refusals), parameters, history, the
chart builder and saving a query of one's own."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import db_digest
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from dashboard.core import db, queries, settings

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def _page(monkeypatch: pytest.MonkeyPatch, database: Path, **state: object) -> AppTest:
    monkeypatch.setenv("QUNXI_DB", str(database))
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page("app_pages/sql.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _type_and_run(at: AppTest, sql: str) -> object:
    """What typing into the editor leaves in the page's state, then the Run button."""
    at.session_state["sql.text"] = sql
    at.run()
    at.button(key="sql.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state["sql.ran"]


def _comparable(frame: pl.DataFrame) -> pl.DataFrame:
    keys = [c for c, d in frame.schema.items() if not d.is_nested()]
    return frame.sort(keys, nulls_last=True) if keys else frame


def _direct(database: Path, name: str) -> pl.DataFrame:
    """The query as the pages run it, with the page's defaults: every chat when it needs chats."""
    with db.reader(database) as con:
        needs_chats = any(p.name == "chat_ids" and p.default is None for p in queries.get(name).params)
        chats = [r[0] for r in con.execute("select chat_id from chats order by name").fetchall()]
        return queries.run(con, name, **({"chat_ids": chats} if needs_chats else {}))


@pytest.mark.slow
def test_every_named_query_opens_and_runs_from_the_page_with_its_defaults(
        monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _page(monkeypatch, demo_db, **{"sql.browser_tab": "命名查询"})
    names = [n for n, q in queries.registry().items() if q.builtin]
    assert len(names) >= 70
    non_empty = 0
    for name in names:
        at.selectbox(key="sql.named").set_value(name).run()
        at.button(key="sql.open_query").click().run()
        assert at.session_state["sql.text"] == queries.get(name).sql
        # a field for each parameter the statement uses
        fields = {w.label.split(" · ")[0] for kind in ("text_input", "number_input", "date_input", "checkbox",
                                                       "multiselect") for w in at.get(kind)
                  if str(w.label).startswith("$")}
        assert fields == {f"${p.name}" for p in queries.get(name).params}, name
        at.button(key="sql.run").click().run()
        assert not at.exception, (name, [e.value for e in at.exception])
        ran = at.session_state["sql.ran"]
        assert ran.error is None, (name, ran.error)
        expected = _direct(demo_db, name)
        assert ran.frame.columns == expected.columns, name
        assert_frame_equal(_comparable(ran.frame), _comparable(expected), check_exact=False, rel_tol=1e-9,
                           check_dtypes=False)
        non_empty += ran.rows > 0
    assert non_empty >= len(names) - 12  # the sample has something for nearly every query


@pytest.mark.slow
def test_typed_sql_runs_and_shows_rows_and_time(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _page(monkeypatch, demo_db)
    ran = _type_and_run(at, "select chat_id, count(*) as n\nfrom messages\ngroup by chat_id\norder by n desc")
    expected = duckdb.connect(str(demo_db), read_only=True).execute(
        "select chat_id, count(*) from messages group by chat_id order by 2 desc").fetchall()
    assert ran.error is None and ran.frame.rows() == expected
    summary = [c for c in at.caption.values if "行 ·" in c]
    assert summary and summary[0].startswith(f"{len(expected)} 行 · ") and summary[0].endswith(" 秒")
    assert len(at.dataframe) == 1 and at.dataframe[0].value.shape == (len(expected), 2)


@pytest.mark.slow
def test_duckdb_errors_show_with_their_position_and_refusals_leave_the_store(
        monkeypatch: pytest.MonkeyPatch, demo_db: Path, tmp_path: Path) -> None:
    before = db_digest(demo_db)
    at = _page(monkeypatch, demo_db)
    ran = _type_and_run(at, "select chat_id, nope from messages")
    assert "Binder Error" in ran.error and "LINE 1:" in ran.error and "^" in ran.error
    assert any("LINE 1:" in c.value for c in at.code)
    assert at.error[0].value.startswith("查询没有运行成功")
    for hostile, why in [
        ("delete from messages", "只能运行只读查询"),
        (f"copy (select 1) to '{tmp_path / 'out.csv'}'", "只能运行只读查询"),
        ("select * from read_csv('/etc/passwd')", "disabled"),
        (f"attach '{tmp_path / 'x.duckdb'}' as x", "只能运行只读查询"),
        ("select 1; select 2", "一次只能运行一条语句"),
    ]:
        ran = _type_and_run(at, hostile)
        assert ran.frame is None and why in ran.error, (hostile, ran.error)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "x.duckdb").exists()
    assert db_digest(demo_db) == before


@pytest.mark.slow
def test_a_runaway_query_is_stopped_at_the_pages_time_limit(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _page(monkeypatch, demo_db, **{"sql.timeout": 1.0})
    ran = _type_and_run(at, "select count(*) from range(100000000) a, range(100000000) b")
    assert ran.frame is None and ran.error == "查询超过 1 秒，已中断 · Stopped after 1 s"
    assert any("已中断" in c.value for c in at.code)


@pytest.mark.slow
def test_a_result_over_the_cap_says_so(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _page(monkeypatch, demo_db, **{"sql.max_rows": 1000})
    ran = _type_and_run(at, "select range as n from range(2500)")
    assert ran.truncated and ran.rows == 1000
    assert any("只显示前 1,000 行" in c for c in at.caption.values)


@pytest.mark.slow
def test_typed_parameters_get_fields_and_are_bound(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _page(monkeypatch, demo_db)
    at.session_state["sql.text"] = "select count(*) as n from messages where kind = $kind"
    at.run()
    assert [w.label for w in at.text_input if w.label.startswith("$")] == ["$kind · varchar"]
    at.text_input(key="sql.p.kind").input("image").run()
    at.button(key="sql.run").click().run()
    ran = at.session_state["sql.ran"]
    expected = duckdb.connect(str(demo_db), read_only=True).execute(
        "select count(*) from messages where kind = 'image'").fetchall()[0][0]
    assert ran.params == {"kind": "image"} and ran.frame["n"].to_list() == [expected] and expected > 0


@pytest.mark.slow
def test_history_keeps_runs_and_opens_them_again_with_their_values(
        monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    at = _page(monkeypatch, demo_db)
    _type_and_run(at, "select 1 as one")
    at.session_state["sql.text"] = "select $kinds as kinds, $day as day"
    at.session_state["sql.query"] = None
    at.run()
    at.text_input(key="sql.p.kinds").input("text, image").run()
    at.text_input(key="sql.p.day").input("2025-05-01").run()
    at.button(key="sql.run").click().run()
    _type_and_run(at, "select 2 as two")
    at.session_state["sql.browser_tab"] = "历史"
    at.run()
    past = at.session_state["sql.history"]
    assert [r.sql for r in past] == ["select 2 as two", "select $kinds as kinds, $day as day", "select 1 as one"]
    assert all(r.frame is None for r in past) and [r.rows for r in past] == [1, 1, 1]
    at.button(key="sql.history.1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["sql.text"] == "select $kinds as kinds, $day as day"
    assert at.text_input(key="sql.p.kinds").value == "text, image"
    at.button(key="sql.run").click().run()
    assert at.session_state["sql.ran"].frame.row(0) == ("text, image", "2025-05-01")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["line", "bar", "heatmap"])
def test_the_chart_builder_draws_each_kind(monkeypatch: pytest.MonkeyPatch, demo_db: Path, kind: str) -> None:
    at = _page(monkeypatch, demo_db)
    _type_and_run(at, "select chat_id, ts::date as day, count(*) as n from messages group by all")
    at.session_state["sql.result_tab"] = "图表"
    at.run()
    assert at.radio(key="sql.chart_kind").value == "line"  # a day column: a line over time
    at.radio(key="sql.chart_kind").set_value(kind).run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    spec = charts[0].proto.spec
    assert {"line": '"scatter', "bar": '"bar"', "heatmap": '"heatmap"'}[kind] in spec


@pytest.mark.slow
def test_saving_a_query_lists_it_as_mine(monkeypatch: pytest.MonkeyPatch, demo_db: Path, tmp_path: Path) -> None:
    monkeypatch.setenv("QUNXI_USER_QUERIES", str(tmp_path / "mine"))
    at = _page(monkeypatch, demo_db)
    sql = "select count(*) as n from messages where ts::date >= $since"
    at.session_state["sql.text"] = sql
    at.run()
    at.text_input(key="sql.save_name").input("since_count")
    at.text_input(key="sql.save_title_field").input("某天以来的消息")
    at.text_area(key="sql.save_description").input("Messages since a day.")
    form_params = next(w for w in at.text_input if w.label == "参数")
    assert form_params.value == "$since varchar"
    form_params.input("$since date = '2024-01-01'")
    at.button[[b.label for b in at.button].index("保存")].click().run()
    assert any("mine/since_count" in s.value for s in at.success), [e.value for e in at.error]
    assert (settings.user_queries_dir() / "since_count.sql").exists()
    at.session_state["sql.browser_tab"] = "命名查询"
    at.run()
    at.selectbox(key="sql.named").set_value("mine/since_count").run()
    at.button(key="sql.open_query").click().run()
    assert at.date_input(key="sql.p.since").value.isoformat() == "2024-01-01"
    # the save form starts from the opened query, to save it again under its name
    assert at.text_input(key="sql.save_name").value == "since_count"
    assert at.text_input(key="sql.save_title_field").value == "某天以来的消息"
    at.button(key="sql.run").click().run()
    expected = duckdb.connect(str(demo_db), read_only=True).execute(
        "select count(*) from messages where ts::date >= date '2024-01-01'").fetchall()[0][0]
    assert at.session_state["sql.ran"].frame["n"].to_list() == [expected]


@pytest.mark.slow
def test_the_page_on_an_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = _page(monkeypatch, tmp_path / "none.duckdb")
    assert at.info and not at.get("bidi_component")


def test_a_long_quoted_line_is_cut_so_the_carets_stay_in_view_and_on_their_word() -> None:
    from dashboard.ui.sql_results import _in_view

    quote = ("LINE 1: ... speakers from messages m join chats c using (chat_id) where kind = 'text' group by all\n"
             + " " * 72 + "^^^^")
    cut = _in_view(quote).splitlines()
    caret = cut[1].index("^")
    assert caret < 40 and cut[0].startswith("…") and cut[0][caret:caret + 4] == "kind"
    short = "LINE 1: select nope from messages\n" + " " * 15 + "^^^^"
    assert _in_view(short) == short
