"""Filling the phrase bank's templates: every `{slot}` gets a fresh draw, so the same template
reads differently each time it is used."""

from __future__ import annotations

import random
import re
import tomllib
from functools import cache
from pathlib import Path

_SLOT = re.compile(r"\{(\w+)\}")


@cache
def bank() -> dict:
    with open(Path(__file__).with_name("phrases.toml"), "rb") as fh:
        return tomllib.load(fh)


class Words:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.slots: dict[str, list[str]] = dict(bank()["slots"])
        self.topics: list[dict] = bank()["topics"]
        self.domains: list[dict] = bank()["domains"]

    def fill(self, template: str, **fixed: str) -> str:
        rng = self.rng

        def one(m: re.Match) -> str:
            key = m.group(1)
            if key in fixed:
                return fixed[key]
            return rng.choice(self.slots[key]) if key in self.slots else m.group(0)

        return _SLOT.sub(one, template)

    def say(self, section: str, key: str, **fixed: str) -> str:
        return self.fill(self.rng.choice(bank()[section][key]), **fixed)

    def topic(self, need: str | None = None) -> dict:
        choices = [t for t in self.topics if not need or t[need]]
        return self.rng.choice(choices)

    def code(self, n: int = 6) -> str:
        return "".join(self.rng.choice("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(n))

    def hex(self, n: int = 32) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))
