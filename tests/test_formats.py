"""Detection across every format: each fixture and real sample is recognised as its own format and
by no other, and a file nothing recognises gets an error that lists what was tried."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CONFORMANCE, FIXTURE_FILES, TESTS

from dashboard.core.ingest import detect
from dashboard.core.ingest.errors import IngestError
from dashboard.core.ingest.pipeline import ingest_file

FIXTURES = TESTS / "fixtures"

WECHAT_FORMATS = {
    "memotrace1": "wechat_memotrace_csv", "memotrace1_all": "wechat_memotrace_csv",
    "memotrace2": "wechat_memotrace2_csv", "memotrace_txt": "wechat_memotrace_txt",
    "pywxdump": "wechat_pywxdump_csv", "pywxdump_excel": "wechat_pywxdump_csv",
    "raw_pc": "wechat_raw_csv", "raw_android": "wechat_raw_csv",
}
# (folder, suffix) → the format every file there must be detected as
BY_FOLDER = {
    ("telegram", ".json"): "telegram_json",
    ("whatsapp", ".txt"): "whatsapp_txt",
    ("qq", ".txt"): "qq_txt",
    ("qq", ".json"): "qq_qce_json",
    ("qq", ".html"): "qq_qce_html",
    ("wecom", ".json"): "wecom_json",
    ("wecom", ".jsonl"): "wecom_json",
    ("discord", ".json"): "discord_json",
    ("discord", ".csv"): "discord_csv",
    ("chatlab", ".json"): "chatlab_json",
    ("chatlab", ".jsonl"): "chatlab_jsonl",
}


# QQChatExporter's own TXT sits beside the 消息管理器 TXT; its fixtures are named qce_*.txt
BY_PREFIX = {("qq", "qce_", ".txt"): "qq_qce_txt"}


def _cases() -> list[tuple[Path, str]]:
    cases = [(FIXTURE_FILES[k], fmt) for k, fmt in WECHAT_FORMATS.items()]
    for root in (FIXTURES, CONFORMANCE) if CONFORMANCE else (FIXTURES,):
        for f in sorted(root.rglob("*")):
            platform = f.relative_to(root).parts[0]
            named = next((fmt for (p, pre, suf), fmt in BY_PREFIX.items()
                          if root == FIXTURES and p == platform and f.name.startswith(pre) and f.suffix == suf), None)
            if f.is_file() and named:
                cases.append((f, named))
            elif f.is_file() and (platform, f.suffix) in BY_FOLDER:
                cases.append((f, BY_FOLDER[(platform, f.suffix)]))
    return cases


CASES = _cases()


def test_every_platform_has_cases() -> None:
    seen = {fmt for _, fmt in CASES}
    assert seen == set(WECHAT_FORMATS.values()) | set(BY_FOLDER.values()) | set(BY_PREFIX.values())
    assert len(CASES) >= 50


@pytest.mark.parametrize(("path", "expected"), CASES, ids=lambda v: v.name if isinstance(v, Path) else v)
def test_detected_as_its_own_format_and_no_other(path: Path, expected: str) -> None:
    probe = detect.probe(path)
    assert detect.detect(probe).name == expected
    assert [f.name for f in detect.FORMATS if f.name != detect.GENERIC and f.matches(probe)] == [expected]


def test_a_generic_table_matches_only_with_a_mapping() -> None:
    for f in sorted((FIXTURES / "generic").glob("*.csv")):
        probe = detect.probe(f)
        assert not detect.matches_any(probe)
        with pytest.raises(IngestError):
            detect.detect(probe)
        assert detect.detect(probe, detect.GENERIC).name == detect.GENERIC


def test_unknown_file_lists_what_was_tried(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("购物清单\n奶粉 2 罐\n尿不湿 L 码\n", encoding="utf-8")
    with pytest.raises(IngestError) as e:
        ingest_file(f, tmp_path / "db.duckdb")
    message = str(e.value)
    assert "notes.txt" in message and "第 1 行" in message and "购物清单" in message
    labels = [fm.label for fm in detect.FORMATS if fm.name != detect.GENERIC]
    assert all(label in message for label in labels)
    assert "--map" in message
    assert not (tmp_path / "db.duckdb").exists()


def test_a_forced_format_must_fit(tmp_path: Path) -> None:
    whatsapp = next(p for p, fmt in CASES if fmt == "whatsapp_txt")
    with pytest.raises(IngestError) as e:
        ingest_file(whatsapp, tmp_path / "db.duckdb", fmt="telegram_json")
    assert "Telegram" in str(e.value)


@pytest.mark.parametrize(("encoding", "bom", "label"), [
    ("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8 (BOM)"), ("utf-16-le", b"\xff\xfe", "utf-16"),
    ("utf-16-be", b"\xfe\xff", "utf-16"), ("gb18030", b"", "gb18030"),
])
@pytest.mark.slow
def test_encodings_are_detected_and_reported(tmp_path: Path, encoding: str, bom: bytes, label: str) -> None:
    text = ("消息记录（此消息记录为文本格式，不支持重新导入）\n\n"
            "================================================================\n消息分组:我的群聊\n"
            "================================================================\n消息对象:宝妈群\n"
            "================================================================\n\n"
            "2024-05-01 10:00:00 小红(10001)\n大家好，奶粉怎么冲？\n\n2024-05-01 10:01:00 阿芳(10002)\n水温 40 度\n")
    f = tmp_path / f"qq_{encoding}.txt"
    f.write_bytes(bom + text.encode(encoding))
    r = ingest_file(f, tmp_path / "db.duckdb")
    assert (r.format, r.encoding, r.n_new) == ("qq_txt", label, 2)
