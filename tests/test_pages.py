"""Every page runs under AppTest with no exception, on an empty database and on real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES = ["app_pages/overview.py", "app_pages/data.py"]


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


@pytest.mark.parametrize("page", PAGES)
def test_pages_on_an_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, page: str) -> None:
    at = _run(monkeypatch, tmp_path / "none.duckdb", page)
    assert at.info, "an empty page should say what to import"


def test_overview_on_fixture_data(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _run(monkeypatch, fixture_db, PAGES[0])
    metrics = {(m.label, m.value) for m in at.metric}
    assert ("消息数", "33") in metrics
    assert len(at.get("plotly_chart")) == 1


def test_overview_in_english_and_organic(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _run(monkeypatch, fixture_db, PAGES[0], lang="en", f_organic=True)
    assert any(m.label == "Messages" for m in at.metric)
    assert at.query_params["organic"] == ["1"] or at.query_params["organic"] == "1"


def test_data_page_lists_imports(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = _run(monkeypatch, fixture_db, PAGES[1])
    assert at.dataframe[0].value.shape[0] == 8


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
