"""Rows compared with a tolerance on their numbers and exactly on everything else.

pytest.approx takes numbers only (since pytest 9.2 it refuses a string, a date or a datetime in a
sequence it compares), while query rows mix names, days and ratios."""

from __future__ import annotations

import math
from typing import Any


def same(got: Any, want: Any, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    """Numbers within rel or abs_ of each other, sequences and mappings element by element, the
    rest equal."""
    if isinstance(want, list | tuple):
        return isinstance(got, list | tuple) and len(got) == len(want) and all(
            same(g, w, rel, abs_) for g, w in zip(got, want, strict=True))
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(
            same(got[k], want[k], rel, abs_) for k in want)
    if _number(want) and _number(got):
        return math.isclose(got, want, rel_tol=rel, abs_tol=abs_) or (math.isnan(got) and math.isnan(want))
    return got == want


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


class Close:
    """`got == close(want)` holds when same(got, want); shows the expected value when it does not."""

    def __init__(self, want: Any, rel: float, abs_: float) -> None:
        self.want, self.rel, self.abs_ = want, rel, abs_

    def __eq__(self, got: object) -> bool:
        return same(got, self.want, self.rel, self.abs_)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"close({self.want!r})"


def close(want: Any, rel: float = 1e-9, abs_: float = 1e-12) -> Close:
    return Close(want, rel, abs_)
