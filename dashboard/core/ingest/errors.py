"""The one error type an import raises for bad input: file, place and what was expected."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """Bad input. The message names the file, the line or record, and what was expected."""

    def __init__(self, file: str | Path, problem: str, line: int | None = None, expected: str | None = None):
        self.file = str(file)
        self.problem = problem
        self.line = line
        self.expected = expected
        where = Path(self.file).name + (f" 第 {line} 行" if line else "")
        text = f"{where}: {problem}"
        if expected:
            text += f"（应为: {expected}）"
        super().__init__(text)


class UnknownFormat(IngestError):
    """No format recognised the file: the way out is a column mapping (`--map`, or the Data page's form)."""
