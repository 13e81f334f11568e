"""The repository stands alone: code, SQL headers and schema descriptions cite the project's own
docs/ by section, every section cited exists, and nothing points to a file outside the repository
or to one machine's paths."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = ("architecture", "metrics", "formats")
CITATION = re.compile(r"docs/(\w+)\.md((?:(?:,\s*|\s+and\s+|\s*)§\d+(?:\.\d+)?(?:[–-]\d+(?:\.\d+)?)?)+)")
SECTION = re.compile(r"§(\d+(?:\.\d+)?)(?:[–-](\d+(?:\.\d+)?))?")


def _tracked_text() -> dict[str, str]:
    names = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    out = {}
    for name in names:
        path = REPO / name
        if path.suffix in {".py", ".sql", ".md", ".toml", ".json", ".txt", ".cfg", ""} and path.is_file():
            try:
                out[name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return out


def _sections(doc: str) -> set[str]:
    """Numbers of a doc's headings: `## 2. Activity` gives 2, `### 2.3 Questions` gives 2.3."""
    text = (REPO / "docs" / f"{doc}.md").read_text(encoding="utf-8")
    return {m.group(1).rstrip(".") for m in re.finditer(r"^#{2,3} (\d+(?:\.\d+)*)\.? ", text, re.M)}


def _citations(text: str) -> list[tuple[str, str]]:
    found = []
    for m in CITATION.finditer(text):
        for s in SECTION.finditer(m.group(2)):
            found += [(m.group(1), n) for n in s.groups() if n]
    return found


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs a git checkout to list the tracked files")
def test_every_cited_section_exists() -> None:
    sections = {d: _sections(d) for d in DOCS}
    cited = 0
    problems = []
    for name, text in _tracked_text().items():
        for doc, number in _citations(text):
            cited += 1
            if doc not in sections:
                problems.append(f"{name}: docs/{doc}.md does not exist")
            elif number not in sections[doc]:
                problems.append(f"{name}: docs/{doc}.md has no §{number}")
    assert not problems, problems
    assert cited > 150  # the code does cite the docs


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs a git checkout to list the tracked files")
def test_no_reference_outside_the_repository() -> None:
    """No machine's absolute path, and no research note or design file that lives beside the
    checkout rather than in it (tests may read ../shared/conformance, the real export samples)."""
    # home folders and this workplace's root, written so this file does not match itself
    machine = "|".join(["/" + "work/", "/" + r"home/\w", "/" + "root/", "/" + r"Users/\w", r"[A-Z]:\\\\Users"])
    notes = "shared/" + "reference|" + machine
    outside = re.compile(r"(?<![\w/.-])(?:DESIGN\.md|metrics\.md|export-formats\.md)|" + notes)
    hits = [f"{name}:{i + 1}: {line.strip()[:100]}" for name, text in _tracked_text().items()
            if not name.startswith("docs/")  # the docs link each other by bare name
            for i, line in enumerate(text.splitlines()) if outside.search(line)]
    hits += [f"{name}: {m.group(0)}" for name, text in _tracked_text().items() if name.startswith("docs/")
             for m in re.finditer(notes, text)]
    assert not hits, hits


def test_the_citations_reader_reads_ranges_and_lists() -> None:
    assert _citations("(docs/metrics.md §2.3 and §4.1; docs/formats.md §1.1–1.9, §4)") == [
        ("metrics", "2.3"), ("metrics", "4.1"), ("formats", "1.1"), ("formats", "1.9"), ("formats", "4")]


def test_schema_descriptions_cite_only_the_docs(tmp_path: Path) -> None:
    """What an analyst reads in the schema browser: table, column and view comments."""
    from dashboard.core import db

    path = tmp_path / "s.duckdb"
    db.ensure_database(path)
    con = duckdb.connect(str(path), read_only=True)
    try:
        comments = [r[0] for r in con.execute(
            "select comment from duckdb_tables() union all select comment from duckdb_columns() "
            "union all select comment from duckdb_views() where not internal").fetchall() if r[0]]
    finally:
        con.close()
    sections = {d: _sections(d) for d in DOCS}
    cited = [c for text in comments for c in _citations(text)]
    assert len(cited) >= 10
    assert all(n in sections[d] for d, n in cited), [c for c in cited if c[1] not in sections[c[0]]]
    assert not [c for c in comments if re.search(r"(?<![\w/])(?:metrics|export-formats|DESIGN)\.md", c)]
