"""chatlab exports (export-formats.md)."""

from __future__ import annotations

from dashboard.core.ingest.model import Format

FORMATS: tuple[Format, ...] = ()
