"""Speed of the WhatsApp TXT parse stage against the `whatstk` package, side by side (not a test; run by
hand, figures go in results.md). docs/architecture.md §9: the parse stage (file → canonical frames) must be
≥ 5× whatstk's parser on the same file.

    python benchmarks/bench_whatsapp.py [N_MESSAGES] [DIR]

Writes an Android 24-hour export (`DD/MM/YYYY, HH:MM - Name: text`) of N messages (default 500,000)
with multi-line messages, media placeholders, attachments, locations, edits, deletions, system
lines and several authors (phone numbers among them), then times:

  (a) our parse stage alone: `whatsapp.FORMATS[0].parse(probe, opts)`, all batches consumed;
  (b) whatstk's parser on the same file: `WhatsAppChat.from_source(filepath=…, hformat=…)` with the
      explicit header format `%d/%m/%Y, %H:%M - %name:` (no auto-detection) and no size limit;
  (c) `ingest_file` end to end into a fresh DuckDB store (one run).

whatstk is not a project dependency: install it in your own environment (`pip install whatstk`).
Without it, (b) and the ratio are skipped with a message. (a) is the best of 5 runs, (b) of 3.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from dashboard.core.ingest import detect, whatsapp
from dashboard.core.ingest.model import Options
from dashboard.core.ingest.pipeline import ingest_file

HFORMAT = "%d/%m/%Y, %H:%M - %name:"
AUTHORS = ["Alice Zhang", "Bob", "Carla Méndez", "+49 1512 3456789", "+1 (415) 555-0123", "Dmitri", "Eve 🌸",
           "Frank-Peter", "Grace", "+86 138 0013 8000", "Hiro", "Ines"]
WORDS = [
    "the", "of", "and", "to", "in", "is", "you", "that", "it", "he", "was", "for", "on", "are", "as", "with",
    "his", "they", "at", "be", "this", "have", "from", "or", "one", "had", "by", "word", "but", "not", "what",
    "all", "were", "we", "when", "your", "can", "said", "there", "use", "an", "each", "which", "she", "do",
    "how", "their", "if", "will", "up", "other", "about", "out", "many", "then", "them", "these", "so", "some",
    "her", "would", "make", "like", "him", "into", "time", "has", "look", "two", "more", "write", "go", "see",
    "number", "no", "way", "could", "people", "my", "than", "first", "water", "been", "call", "who", "oil",
    "its", "now", "find", "long", "down", "day", "did", "get", "come", "made", "may", "part", "好的", "谢谢", "明天见",
    "ok", "lol", "👍", "😂"
]


def write_chat(path: Path, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    t = dt.datetime(2021, 1, 3, 8, 0)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            t += dt.timedelta(seconds=rnd.randint(5, 240))
            head = t.strftime("%d/%m/%Y, %H:%M - ")
            r = rnd.random()
            a = rnd.choice(AUTHORS)
            if r < 0.01:  # system lines
                b = rnd.choice(AUTHORS)
                fh.write(head + rnd.choice([
                    f"{a} added {b}", f"{b} left", f"{b} joined using this group's invite link",
                    f'{a} changed the subject from "Old" to "Group {i}"', f"{a} removed {b}",
                    f"{a} changed this group's icon"]) + "\n")
                continue
            if r < 0.06:
                body = "<Media omitted>"
            elif r < 0.07:
                body = f"IMG-{t:%Y%m%d}-WA{i % 10000:04d}.jpg (file attached)"
            elif r < 0.075:
                body = "location: https://maps.google.com/?q=52.52,13.40"
            elif r < 0.08:
                body = "This message was deleted"
            elif r < 0.09:
                body = " ".join(rnd.choices(WORDS, k=rnd.randint(2, 12))) + " <This message was edited>"
            else:
                body = " ".join(rnd.choices(WORDS, k=rnd.randint(1, 18)))
                if rnd.random() < 0.1:  # multi-line
                    body += "\n" + "\n".join(" ".join(rnd.choices(WORDS, k=rnd.randint(1, 10)))
                                             for _ in range(rnd.randint(1, 3)))
            fh.write(f"{head}{a}: {body}\n")


def best_of(runs: int, fn) -> tuple[float, int]:
    best, n = float("inf"), 0
    for _ in range(runs):
        t = time.perf_counter()
        n = fn()
        best = min(best, time.perf_counter() - t)
    return best, n


def ours(path: Path) -> int:
    probe = detect.probe(path)
    parsed = whatsapp.FORMATS[0].parse(probe, Options(tz="Asia/Shanghai"))
    return sum(batch.height for batch in parsed.batches)


def theirs(path: Path) -> int:
    from whatstk.whatsapp.objects import WhatsAppChat

    chat = WhatsAppChat.from_source(filepath=str(path), hformat=HFORMAT, max_size=None)
    return len(chat.df)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.gettempdir()) / "qunxi-bench-whatsapp"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    chat = out / "WhatsApp Chat with Bench.txt"
    t = time.perf_counter()
    write_chat(chat, n)
    with open(chat, "rb") as fh:
        lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    print(f"wrote {n:,} messages ({lines:,} lines, {chat.stat().st_size / 2**20:.1f} MiB) "
          f"in {time.perf_counter() - t:.1f} s")

    ours(chat)  # warm-up: imports, regex compilation
    ours_s, ours_n = best_of(5, lambda: ours(chat))
    print(f"(a) qunxi parse stage : {ours_s:6.2f} s  {ours_n:>9,} rows  {n / ours_s:>11,.0f} messages/s")
    try:
        import whatstk  # noqa: F401
    except ImportError:
        print("(b) whatstk            : not installed, skipped (pip install whatstk to compare)")
    else:
        theirs_s, theirs_n = best_of(3, lambda: theirs(chat))
        print(f"(b) whatstk parser    : {theirs_s:6.2f} s  {theirs_n:>9,} rows  {n / theirs_s:>11,.0f} messages/s"
              f"  (hformat={HFORMAT!r}; it drops system lines)")
        print(f"    ratio             : {theirs_s / ours_s:.1f}× (budget ≥ 5×)")
    db = out / "bench.duckdb"
    t = time.perf_counter()
    report = ingest_file(chat, db)
    took = time.perf_counter() - t
    print(f"(c) ingest_file e2e   : {took:6.2f} s  {report.n_new:>9,} new    {n / took:>11,.0f} messages/s")


if __name__ == "__main__":
    main()
