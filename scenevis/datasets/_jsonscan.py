"""One pass over a JSON file that never holds it whole.

:class:`Scanner` walks the top-level object's members (or the top-level array's
elements) and decodes one value at a time, with its byte span in the file, so a reader
can keep spans and decode an item again later from just its bytes (:class:`Spans`).
The file is read in chunks decoded as Latin-1, one character per byte, so positions in
the text are positions in the file; a value holding non-ASCII bytes is decoded again as
UTF-8. Whatever this walk cannot read raises :class:`ScanError`; the caller then loads
the file whole for :mod:`json`'s own message.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
from typing import Any, BinaryIO, Iterable, Iterator, Tuple

import numpy as np

__all__ = ["Scanner", "ScanError", "Spans", "decode", "decode_runs", "read_spans", "unchanged"]

CHUNK = 1 << 18
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
_BOM = "\xef\xbb\xbf"  # UTF-8's byte order mark, as Latin-1


class ScanError(Exception):
    """The file is not JSON this scan can read (malformed, or not UTF-8)."""


def decode(raw: bytes) -> Any:
    """The JSON value of ``raw`` (UTF-8); ``ScanError`` when it is not one."""
    try:
        return json.loads(raw.decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ScanError(str(err)) from None


def decode_runs(runs: Iterable[bytes]) -> list:
    """The values of ``runs``, each some consecutive elements of an array as the file has
    them (values separated by commas and whitespace), in order: one array decoded by
    :mod:`json` at once (a decode per value cost twice the time)."""
    return json.loads("[" + ",".join(raw.decode("utf-8", "surrogatepass") for raw in runs) + "]")


class Scanner:
    """Values of a JSON file in file order, read through ``handle`` (binary) in chunks."""

    def __init__(self, handle: BinaryIO, offset: int = 0):
        handle.seek(offset)
        self.handle = handle
        self.text = ""
        self.base = offset  # the file offset of text[0]
        self.pos = 0
        self.eof = False
        if not offset and self.peek() == "\xef" and self.text.startswith(_BOM, self.pos):
            self.pos += len(_BOM)

    def _more(self) -> None:
        data = self.handle.read(max(CHUNK, len(self.text) - self.pos))  # doubles what is held for a long value
        self.base += self.pos
        self.text = self.text[self.pos:] + data.decode("latin-1")
        self.pos = 0
        self.eof = not data

    def peek(self) -> str:
        """The next character after whitespace ('' at the end of the file)."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if self.eof:
                return ""
            self._more()

    def expect(self, chars: str) -> str:
        """The next character after whitespace, consumed; ``ScanError`` unless it is one of ``chars``."""
        char = self.peek()
        if not char or char not in chars:
            raise ScanError(f"expected one of {chars!r} at byte {self.base + self.pos}")
        self.pos += 1
        return char

    def offset(self) -> int:
        """Where the next value starts in the file."""
        self.peek()
        return self.base + self.pos

    def value(self) -> Tuple[Any, int, int]:
        """The next value and its span ``(value, start, end)`` in the file."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError:
                value, end = None, -1
            # A value ending where the text read so far ends may go on (a number cut in two).
            if self.eof or 0 <= end < len(self.text):
                break
            self._more()
        if end < 0:
            raise ScanError(f"no JSON value at byte {self.base + self.pos}")
        start = self.pos
        if not self.text.isascii() and not self.text[start:end].isascii():
            value = decode(self.text[start:end].encode("latin-1"))
        self.pos = end
        return value, self.base + start, self.base + end

    def elements(self) -> Iterator[Tuple[Any, int, int]]:
        """The values of the array that starts here, each with its span."""
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.expect(",]") == "]":
                return

    def members(self) -> Iterator[str]:
        """The keys of the object that starts here; the caller reads each member's value
        (:meth:`value` or :meth:`elements`) before asking for the next key."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            key = self.value()[0]
            if not isinstance(key, str):
                raise ScanError(f"expected a key at byte {self.base + self.pos}")
            self.expect(":")
            yield key
            if self.expect(",}") == "}":
                return

    def end(self) -> None:
        """``ScanError`` unless only whitespace is left."""
        if self.peek():
            raise ScanError(f"extra data at byte {self.base + self.pos}")


class Spans:
    """Byte spans of items of a file, appended in file order, each with a ``group`` (the
    image it belongs to); offsets take 4 bytes when the file is under 4 GiB. ``capacity``:
    how many will be added at most, when known (else the arrays grow as needed)."""

    def __init__(self, size: int, capacity: int = 1024):
        self.starts = np.empty(max(capacity, 1), np.uint32 if size < 1 << 32 else np.int64)
        self.lengths = np.empty(len(self.starts), np.uint32)
        self.groups = np.empty(len(self.starts), np.int32)
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def add(self, start: int, end: int, group: int = 0) -> None:
        if self.count == len(self.starts):
            for name in ("starts", "lengths", "groups"):
                old = getattr(self, name)
                setattr(self, name, np.concatenate([old, np.empty_like(old)]))
        self.starts[self.count] = start
        self.lengths[self.count] = end - start
        self.groups[self.count] = group
        self.count += 1

    def by_group(self, count: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(starts, lengths, first)``: the spans ordered by group (file order within
        one), group ``g``'s being ``first[g]:first[g + 1]``."""
        n = self.count
        starts, lengths, groups = self.starts[:n], self.lengths[:n], self.groups[:n]
        if (groups[1:] < groups[:-1]).any():
            order = np.argsort(groups, kind="stable")
            starts, lengths = starts[order], lengths[order]
        else:  # copies: the arrays may be much longer than what they hold
            starts, lengths = starts.copy(), lengths.copy()
        first = np.zeros(count + 1, np.int64)
        np.cumsum(np.bincount(groups, minlength=count), out=first[1:])
        return starts, lengths, first


@contextlib.contextmanager
def unchanged(path: str, stamp: Tuple[int, int]) -> Iterator[BinaryIO]:
    """``path`` opened for reading, with the default buffer (a :class:`Scanner` reads
    :data:`CHUNK` bytes at a time past it; a span read after a seek fills the buffer
    first: a buffer of CHUNK bytes read 256 KiB for every record); ``ValueError`` when it
    is no longer the file it was (``stamp``: its size and time then)."""
    with open(path, "rb") as handle:
        now = os.fstat(handle.fileno())
        if (now.st_size, now.st_mtime_ns) != stamp:
            raise ValueError(f"{path}: the file changed after it was read (its size or time differ); read it again")
        yield handle


def read_spans(path: str, stamp: Tuple[int, int], starts: np.ndarray, lengths: np.ndarray) -> Iterator[bytes]:
    """The bytes of each span of ``path``, in the order given; ``ValueError`` when the file
    is no longer the one the spans were taken from (``stamp``: its size and time then)."""
    with unchanged(path, stamp) as handle:
        for block in range(0, len(starts), 4096):  # as Python ints a few thousand at a time
            for start, length in zip(starts[block:block + 4096].tolist(), lengths[block:block + 4096].tolist()):
                handle.seek(start)
                yield handle.read(length)
