"""Finding landed files and learning what they are, in one streaming pass per file.

The pass computes what the warehouse records (sha256, size, mtime) and what the readers
need to choose a path (gzip or not, physical line count, whether the text is valid UTF-8,
a decompressed sample for encoding detection and layout sniffing). It never holds a whole
file in memory.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import logging
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ingest.feeds import FEEDS, Feed

log = logging.getLogger(__name__)

CHUNK_BYTES = 8 * 1024 * 1024
SAMPLE_BYTES = 256 * 1024
IN_FLIGHT_SUFFIXES = (".tmp", ".part")


class UnreadableFile(Exception):
    """The file cannot be read at all; the message names the problem (file rejected)."""


@dataclass(frozen=True)
class LandedFile:
    feed: Feed
    path: Path
    mtime: datetime

    @property
    def is_gzip(self) -> bool:
        return self.path.name.lower().endswith(".gz")

    @property
    def is_parquet(self) -> bool:
        return self.path.name.lower().endswith(".parquet")


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    size: int
    line_count: int  # physical lines in the decompressed text (0 for parquet)
    utf8_valid: bool
    has_nul: bool
    sample: bytes  # the first SAMPLE_BYTES of the decompressed content


def is_in_flight(path: Path) -> bool:
    """Writers use write-then-rename: these names are still being written."""
    name = path.name
    return name.startswith(".") or name.lower().endswith(IN_FLIGHT_SUFFIXES)


def discover(landing_dir: Path) -> list[LandedFile]:
    """Complete files under ``landing_dir/<feed>/``, in arrival order (mtime, then name).

    Unknown sub-directories (``truth/``, a typo'd feed) are ignored with a log line; in-flight
    files are skipped without a trace, as the contract says.
    """
    found: list[LandedFile] = []
    for sub in sorted(p for p in landing_dir.iterdir() if p.is_dir()):
        feed = FEEDS.get(sub.name)
        if feed is None:
            log.info("ignoring %s: not a feed directory", sub)
            continue
        for path in sorted(p for p in sub.rglob("*") if p.is_file()):
            if is_in_flight(path):
                log.debug("skipping in-flight file %s", path)
                continue
            if not path.name.lower().endswith(feed.extensions):
                log.warning("ignoring %s: not one of %s", path, ", ".join(feed.extensions))
                continue
            mtime = datetime.fromtimestamp(path.stat().st_mtime)
            found.append(LandedFile(feed, path, mtime))
    order = {name: i for i, name in enumerate(FEEDS)}
    found.sort(key=lambda f: (order[f.feed.name], f.mtime, str(f.path)))
    return found


def _decompressed_chunks(raw_chunks: Iterable[bytes], is_gzip: bool) -> Iterator[bytes]:
    """Yield decompressed chunks; raises UnreadableFile on a broken or truncated gzip."""
    if not is_gzip:
        yield from raw_chunks
        return
    inflater = zlib.decompressobj(wbits=47)
    fed = False  # the current member has received input
    for chunk in raw_chunks:
        data = chunk
        while data:
            fed = True
            try:
                out = inflater.decompress(data)
            except zlib.error as exc:
                raise UnreadableFile(f"corrupt gzip stream ({exc})") from exc
            if out:
                yield out
            if inflater.eof:  # concatenated gzip members are legal
                data = inflater.unused_data
                inflater = zlib.decompressobj(wbits=47)
                fed = False
            else:
                data = b""
    if fed and not inflater.eof:
        raise UnreadableFile("truncated gzip (the stream ends before its end marker)")


def inspect(landed: LandedFile) -> FileFacts:
    """One pass: sha256 of the bytes as delivered; line count and UTF-8 check of the text."""
    sha = hashlib.sha256()
    size = 0
    newlines = 0
    last_byte = b""
    sample = bytearray()
    has_nul = False
    utf8_ok = True
    decoder = codecs.getincrementaldecoder("utf-8")("strict")

    def raw_chunks() -> Iterator[bytes]:
        nonlocal size
        with landed.path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                sha.update(chunk)
                size += len(chunk)
                yield chunk

    if landed.is_parquet:
        for _ in raw_chunks():
            pass
        return FileFacts(sha.hexdigest(), size, 0, True, False, b"")

    for data in _decompressed_chunks(raw_chunks(), landed.is_gzip):
        newlines += data.count(b"\n")
        last_byte = data[-1:]
        if len(sample) < SAMPLE_BYTES:
            sample += data[: SAMPLE_BYTES - len(sample)]
        if not has_nul and b"\x00" in data:
            has_nul = True
        if utf8_ok and not (data.isascii() and decoder.getstate()[0] == b""):
            try:
                decoder.decode(data)
            except UnicodeDecodeError:
                utf8_ok = False
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    lines = newlines + (1 if last_byte not in (b"", b"\n") else 0)
    return FileFacts(sha.hexdigest(), size, lines, utf8_ok, has_nul, bytes(sample))


def open_text_bytes(landed: LandedFile) -> Iterator[bytes]:
    """Decompressed byte chunks of the file (for transcoding)."""
    opener = gzip.open if landed.is_gzip else open  # gzip.open reads multi-member streams
    with opener(landed.path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
