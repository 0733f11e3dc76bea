"""Text encodings: detect (charset-normalizer on a sample) and transcode to UTF-8 for DuckDB.

DuckDB reads UTF-8 itself. Anything else (GB18030 from a Chinese CRM, or UTF-8 with a few
invalid bytes, as some PBXes write into ``clid``) is transcoded to a temporary UTF-8 file in
a streaming pass. Bytes that are invalid in the chosen encoding are kept visibly as
``\\xNN`` escapes (``backslashreplace``) so the row still lands and nothing is lost.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

# charset-normalizer names for the GB family; GB18030 is a superset of GBK and GB2312.
CHINESE_ENCODINGS = {"gb18030", "gbk", "gb2312", "hz", "cp936"}


@dataclass(frozen=True)
class EncodingChoice:
    name: str  # what raw.ingest_files.encoding records
    codec: str  # Python codec used to transcode; "utf-8" with direct=True means none
    direct: bool  # DuckDB can read the file as it is
    note: str = ""


def normalise(name: str) -> str:
    return codecs.lookup(name).name


def choose(sample: bytes, utf8_valid: bool, configured: str) -> EncodingChoice:
    """Pick the file's encoding: configuration first, then UTF-8, then detection."""
    if configured.lower() != "auto":
        codec = normalise(configured)
        if codec == "utf-8" and utf8_valid:
            return EncodingChoice("utf-8", "utf-8", True)
        return EncodingChoice(codec, codec, False, f"encoding {codec} from CCDW_ENCODING")
    if utf8_valid:
        return EncodingChoice("utf-8", "utf-8", True)
    best = charset_normalizer.from_bytes(sample).best()
    guess = normalise(best.encoding) if best is not None else ""
    if guess in CHINESE_ENCODINGS or guess == "gb18030":
        return EncodingChoice("gb18030", "gb18030", False, f"detected {guess}, read as gb18030")
    return EncodingChoice(
        "utf-8",
        "utf-8",
        False,
        "invalid UTF-8 bytes kept as \\xNN escapes",
    )


def transcode(chunks: Iterable[bytes], codec: str, target: Path) -> None:
    """Stream ``chunks`` (decoded with ``codec``) into ``target`` as UTF-8, without a BOM."""
    decoder = codecs.getincrementaldecoder(codec)("backslashreplace")
    first = True
    with target.open("w", encoding="utf-8", newline="") as out:
        for chunk in chunks:
            text = decoder.decode(chunk)
            if first and text:
                text = text.removeprefix("\ufeff")
                first = False
            out.write(text)
        out.write(decoder.decode(b"", final=True))
