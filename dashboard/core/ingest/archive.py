"""The chat text inside a zip (WhatsApp's "export with media"), extracted without trusting the zip.

A zip says how big its members are, and a zip bomb says so too: a kilobyte that inflates to a
gigabyte. So the declared size and the compression ratio are checked before a byte is written,
and the extraction streams and stops at the cap whatever the header claimed.
"""

from __future__ import annotations

import errno
import zipfile
import zlib
from pathlib import Path

from dashboard.core.ingest.errors import IngestError

# WhatsApp exports at most 40,000 messages with media (100,000 without): a few MB of text. Far
# above any real chat, far below what fills a disk.
MAX_CHAT_BYTES = 256 << 20
# Chat text deflates 3–10×; a ratio above this is not text anyone typed. Checked for members big
# enough to matter, since a small file of one repeated line may compress well.
MAX_RATIO = 100
RATIO_FROM_BYTES = 16 << 20
CHUNK = 1 << 20
EXPECTED = "WhatsApp 导出的 .zip，内含 _chat.txt 或一个 .txt"


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MiB"


def _chosen(path: Path, z: zipfile.ZipFile) -> zipfile.ZipInfo:
    """`_chat.txt` (iOS) or the one `.txt` (Android)."""
    texts = [i for i in z.infolist() if i.filename.lower().endswith(".txt") and not i.is_dir()]
    chosen = next((i for i in texts if Path(i.filename).name == "_chat.txt"), None)
    if chosen is None and len(texts) == 1:
        chosen = texts[0]
    if chosen is None:
        found = "、".join(i.filename for i in texts[:5]) or "没有 .txt 文件"
        raise IngestError(path, f"压缩包里找不到聊天记录（{found}）", expected=EXPECTED)
    return chosen


def _check_declared(path: Path, info: zipfile.ZipInfo) -> None:
    if info.file_size > MAX_CHAT_BYTES:
        raise IngestError(path, f"压缩包里的 {info.filename} 解压后有 {_mib(info.file_size)}，超过上限 "
                                f"{_mib(MAX_CHAT_BYTES)}，不像聊天记录", expected=EXPECTED)
    if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise IngestError(path, f"压缩包里的 {info.filename} 压缩比超过 {MAX_RATIO} 倍，疑似压缩炸弹",
                          expected=EXPECTED)


def unpack_chat_zip(path: Path, out: Path) -> Path:
    """Extract the chat text of the zip at `path` to `out`/chat.txt, at most MAX_CHAT_BYTES."""
    target = out / "chat.txt"
    try:
        with zipfile.ZipFile(path) as z:
            info = _chosen(path, z)
            _check_declared(path, info)
            written = 0
            with z.open(info) as src, open(target, "wb") as dst:
                while chunk := src.read(CHUNK):
                    written += len(chunk)
                    if written > MAX_CHAT_BYTES:  # the header lied about the size
                        raise IngestError(path, f"压缩包里的 {info.filename} 解压后超过上限 {_mib(MAX_CHAT_BYTES)}，"
                                                "不像聊天记录", expected=EXPECTED)
                    dst.write(chunk)
    except IngestError:
        target.unlink(missing_ok=True)
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError,
            OSError, ValueError) as e:
        # a damaged member (bad CRC, cut off), an unsupported compression or an encrypted one
        target.unlink(missing_ok=True)
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            raise  # the disk is full, not the zip damaged: the import says so (pipeline)
        raise IngestError(path, f"压缩包无法打开: {e}", expected="完整的 .zip 文件") from e
    return target
