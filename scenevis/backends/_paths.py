"""Files under a backend's ``save_dir``: one name rule and one safe way to open them.

Any backend that writes files uses this module, so that no caller-chosen name and no
symlink planted inside ``save_dir`` can make it write anywhere else.

**Names** (:func:`name_parts`). A name chosen by a caller (an image name, ``file_path=``,
``img_save_dir``, ...) becomes a list of path components inside ``save_dir``:

1. ``/`` separates folders: ``'val/img'`` is the folder ``val`` holding ``img``, as in
   MMEngine. Nothing else separates (``\\`` is escaped like any other character).
2. What a file name cannot hold safely is *escaped*, never replaced, as ``%XX`` per byte
   of its UTF-8 encoding: ``%`` itself, NUL and other control characters (C0, DEL, C1),
   ``\\ < > : " | ? *``, the line/paragraph separators, bidirectional controls, the BOM,
   the Unicode noncharacters and lone surrogates (``surrogatepass`` bytes). ``.`` and
   spaces at the end of a component are escaped too (Windows would drop them), which also
   turns ``.`` and ``..`` into ``%2E`` and ``%2E%2E``: no component can climb out.
3. An empty component (a leading, doubled or trailing ``/``) is ``%``, which escaping can
   never produce; ``''`` with a suffix is the suffix alone (``_0.png``).
4. A component longer than 255 UTF-8 bytes with its suffix is cut and ends in ``%~`` and
   16 hex digits of the SHA-256 of its text, then the suffix.

So the mapping is injective (distinct names give distinct paths, up to SHA-256 collisions
for cut names), ordinary names are unchanged (``'val/img'`` -> ``val/img_0.png``,
``'loss (top-1) é'`` stays as it is), and the original name can be read back by undoing
the ``%XX`` escapes.

**Files** (:class:`SaveDir`). ``save_dir`` itself is the caller's choice and is opened as
given (symlinks in its own path are followed), once, as a directory descriptor; its path
is made absolute when the backend is built. Below it, every folder is created with
``mkdir(dir_fd=parent)`` and opened with ``O_DIRECTORY | O_NOFOLLOW`` from its verified
parent, and every file is opened with ``O_NOFOLLOW`` (or created with ``O_EXCL``) relative
to its folder's descriptor. There is no check-then-use window: a symlink anywhere below
``save_dir``, planted before or swapped in during a call, makes the call fail with
``PermissionError`` instead of being followed. This needs ``os.open(..., dir_fd=...)``
(Linux, macOS and other POSIX systems).

- :meth:`SaveDir.append` appends one ``bytes`` record to one or more files with one
  ``write()`` each on ``O_APPEND`` descriptors; if any write fails (a full disk: ENOSPC,
  EFBIG), every file it touched is truncated back to its size before the call and the
  ``OSError`` propagates. At most ``max_open`` append descriptors stay open (least
  recently used closed first; reopening appends, never truncates). A file found not to end
  in ``\\n`` when opened (a crash, a rollback that failed) gets one before the next record.
- :meth:`SaveDir.replace` writes a whole file (bytes, or a file streamed in blocks) atomically: a new temporary file in the
  target folder, then a rename over the final name (a symlink there is replaced, never
  followed); on any error the temporary file is removed.
- :meth:`SaveDir.create` creates a new file exclusively, opens it for appending and
  returns its descriptor (``FileExistsError`` when the name exists, symlink or not);
  :meth:`SaveDir.remove` deletes one, :meth:`SaveDir.remove_folder` an empty folder.
"""
from __future__ import annotations

import collections
import errno
import hashlib
import os
import re
import stat
import threading
from contextlib import contextmanager
from typing import BinaryIO, Iterator, List, Optional, Sequence, Tuple, Union

from scenevis.errors import VisualizerValueError

__all__ = ["name_parts", "name_from_parts", "check_file_name", "SaveDir", "write_all", "MAX_COMPONENT_BYTES"]

MAX_COMPONENT_BYTES = 255
_NONCHARACTERS = "".join(
    re.escape(chr(plane * 0x10000 + 0xFFFE)) + re.escape(chr(plane * 0x10000 + 0xFFFF)) for plane in range(17))
_ESCAPED = re.compile(
    '[%\\x00-\\x1f\\x7f-\\x9f\\\\<>:"|?*\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ufeff'
    "\\ufdd0-\\ufdef\\ud800-\\udfff" + _NONCHARACTERS + "]")
_TRAILING = re.compile(r"[. ]+$")
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_APPEND_FLAGS = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_CREATE_APPEND_FLAGS = _CREATE_FLAGS | os.O_APPEND

Parts = Sequence[str]


def _percent(match: "re.Match[str]") -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8", "surrogatepass"))


def _escape(text: str, final: bool) -> str:
    """``text`` with rule 2 applied; ``final``: it ends the on-disk component."""
    text = _ESCAPED.sub(_percent, text)
    if final:
        text = _TRAILING.sub(_percent, text)
    return text


def _fit(original: str, escaped: str, suffix: str) -> str:
    """``escaped + suffix``, cut to 255 UTF-8 bytes with a hash of ``original`` when longer."""
    if len((escaped + suffix).encode("utf-8", "surrogatepass")) <= MAX_COMPONENT_BYTES:
        return escaped + suffix
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    tail = f"%~{digest}{suffix}"
    budget = MAX_COMPONENT_BYTES - len(tail.encode("utf-8"))
    keep = escaped.encode("utf-8", "surrogatepass")[:budget].decode("utf-8", "ignore")
    return keep + tail


def name_parts(name: Union[str, os.PathLike], suffix: str = "", arg: str = "name") -> List[str]:
    """The path components inside ``save_dir`` for ``name`` (see the module docstring);
    ``suffix`` (e.g. ``'_3.png'``) ends the last one.

    Raises ``TypeError`` naming ``arg`` unless ``name`` is a ``str`` or path-like.
    """
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not isinstance(name, str):
        raise TypeError(f"{arg}: expected a str, got {type(name).__name__}")
    texts = name.split("/")
    parts = []
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        end = suffix if last else ""
        if text == "" and not end:
            parts.append("%")
        else:
            parts.append(_fit(text, _escape(text, final=not end), end))
    return parts


_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_CUT = re.compile(r"%~[0-9a-f]{16}$")


def name_from_parts(parts: Parts, suffix: str = "") -> str:
    """The name :func:`name_parts` turned into ``parts`` (``suffix`` ending the last one):
    its inverse, for readers of a backend's files (the run report).

    ``/`` joins the components, ``%XX`` escapes are undone and ``%`` alone is an empty
    component. A component cut for length (rule 4) keeps only its first part, so the name
    read back from it ends in ``…``.
    """
    if not parts or not parts[-1].endswith(suffix):
        raise ValueError(f"parts: expected a last component ending in {suffix!r}, got {list(parts)!r}")
    texts = list(parts[:-1]) + [parts[-1][: len(parts[-1]) - len(suffix)]]
    out = []
    for text in texts:
        cut = _CUT.search(text)
        if cut:
            text = text[: cut.start()]
        text = "" if text == "%" else _ESCAPES.sub(
            lambda m: bytes.fromhex(m.group().replace("%", "")).decode("utf-8", "surrogatepass"), text)
        out.append(text + ("…" if cut else ""))
    return "/".join(out)


def check_file_name(value: Union[str, os.PathLike], suffix: str, arg: str) -> str:
    """``value`` as a ``str`` when it is a file name ending in ``suffix`` (``TypeError`` /
    :class:`~scenevis.errors.VisualizerValueError` naming ``arg`` otherwise)."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{arg}: expected a str, got {type(value).__name__}")
    value = os.fspath(value)
    if not isinstance(value, str) or not value.endswith(suffix):
        raise VisualizerValueError(f"{arg}: expected a file name ending in {suffix!r}, got {value!r}")
    return value


def _refuse_symlink(err: OSError, folder: int, root: str, parts: Parts) -> OSError:
    """The error to raise for ``err``, met opening ``parts[-1]`` in ``folder`` (``parts``
    below ``root``): a ``PermissionError`` when the name is a symlink (or was one when it
    was opened and has been swapped since)."""
    # O_NOFOLLOW on a symlink gives ELOOP (EMLINK on FreeBSD), ENOTDIR with O_DIRECTORY.
    if err.errno == errno.ENOTDIR:
        try:
            mode = os.stat(parts[-1], dir_fd=folder, follow_symlinks=False).st_mode
        except OSError:  # gone since: it changed while it was opened
            mode = 0
        if mode and not stat.S_ISLNK(mode) and not stat.S_ISDIR(mode):
            return err  # a file where a folder should be
    elif err.errno not in (errno.ELOOP, errno.EMLINK):
        return err
    where = os.path.join(root, *parts)
    return PermissionError(errno.EACCES, f"refusing to follow the symlink {where!r} inside save_dir {root!r}")


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less than it is given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class SaveDir:
    """A backend's ``save_dir`` held open as a directory descriptor (see the module docstring).

    Args:
        path: the folder; created (with its parents) if missing. Make it absolute first:
            it is read once, here.
        max_open: how many append descriptors may stay open at once (at least 2).

    Thread-safe: one lock around each method. ``close()`` releases every descriptor; the
    object cannot be used after it.
    """

    def __init__(self, path: str, max_open: int = 8):
        if max_open < 2:
            raise ValueError(f"max_open: expected an int >= 2, got {max_open!r}")
        if os.open not in os.supports_dir_fd:
            raise OSError(errno.ENOTSUP, "writing under save_dir needs os.open(dir_fd=...) (a POSIX system)")
        os.makedirs(path, exist_ok=True)
        self.path = path
        self._fd: Optional[int] = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        self._max_open = max_open
        self._appending: "collections.OrderedDict[Tuple[str, ...], int]" = collections.OrderedDict()
        self._needs_newline: set = set()
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"SaveDir({self.path!r})"

    def _root(self) -> int:
        if self._fd is None:
            raise ValueError(f"save_dir {self.path!r}: closed")
        return self._fd

    @contextmanager
    def folder(self, parts: Parts) -> Iterator[int]:
        """A descriptor of the folder ``parts`` below ``save_dir``, created as needed, each
        level opened from its parent without following symlinks; closed on exit."""
        fd = self._root()
        try:
            for depth, part in enumerate(parts):
                try:
                    os.mkdir(part, dir_fd=fd)
                except FileExistsError:
                    pass
                try:
                    child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as err:
                    raise _refuse_symlink(err, fd, self.path, parts[: depth + 1]) from None
                if fd != self._fd:
                    os.close(fd)
                fd = child
            yield fd
        finally:
            if fd != self._fd:
                os.close(fd)

    def _open(self, parts: Parts, flags: int) -> int:
        with self.folder(parts[:-1]) as folder:
            try:
                return os.open(parts[-1], flags, 0o666, dir_fd=folder)
            except OSError as err:
                raise _refuse_symlink(err, folder, self.path, parts) from None

    def _append_fd(self, parts: Parts) -> int:
        key = tuple(parts)
        fd = self._appending.get(key)
        if fd is not None:
            self._appending.move_to_end(key)
            return fd
        fd = self._open(parts, _APPEND_FLAGS)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            self._needs_newline.add(key)
        self._appending[key] = fd
        while len(self._appending) > self._max_open:
            _, old = self._appending.popitem(last=False)
            os.close(old)
        return fd

    def _forget(self, key: Tuple[str, ...]) -> None:
        fd = self._appending.pop(key, None)
        if fd is not None:
            os.close(fd)

    def append(self, data: bytes, *targets: Parts) -> None:
        """Append ``data`` to each file in ``targets`` (component lists), in order, all or
        nothing: on an ``OSError`` every file already written is truncated back."""
        if len(targets) > self._max_open:
            raise ValueError(f"targets: expected at most {self._max_open} files per call, got {len(targets)}")
        with self._lock:
            written: List[Tuple[Tuple[str, ...], int, int]] = []
            try:
                for parts in targets:
                    key = tuple(parts)
                    fd = self._append_fd(parts)
                    size = os.fstat(fd).st_size
                    written.append((key, fd, size))
                    write_all(fd, b"\n" + data if key in self._needs_newline else data)
                    self._needs_newline.discard(key)
            except OSError:
                for key, fd, size in written:
                    try:
                        os.ftruncate(fd, size)
                    except OSError:  # cannot restore it: the next open adds a newline
                        self._forget(key)
                raise

    def replace(self, parts: Parts, data: Union[bytes, BinaryIO]) -> None:
        """Write ``data`` (bytes, or a binary file read to its end in blocks) to the file
        ``parts`` atomically (temporary file, then rename)."""
        with self._lock, self.folder(parts[:-1]) as folder:
            temp = f".scenevis-{os.getpid()}-{os.urandom(6).hex()}.tmp"
            fd = os.open(temp, _CREATE_FLAGS, 0o666, dir_fd=folder)
            try:
                try:
                    if isinstance(data, (bytes, bytearray, memoryview)):
                        write_all(fd, data)
                    else:
                        for block in iter(lambda: data.read(1 << 20), b""):
                            write_all(fd, block)
                finally:
                    os.close(fd)
                os.replace(temp, parts[-1], src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                try:
                    os.unlink(temp, dir_fd=folder)
                except OSError:
                    pass
                raise

    def create(self, parts: Parts) -> int:
        """A new file ``parts``, created exclusively and open for appending (so a caller that
        cuts it back with ``ftruncate`` writes on at the new end); the descriptor is the
        caller's to close."""
        with self._lock:
            return self._open(parts, _CREATE_APPEND_FLAGS)

    def remove(self, parts: Parts) -> None:
        """Delete the file ``parts`` (a symlink there is removed, not followed)."""
        with self._lock, self.folder(parts[:-1]) as folder:
            os.unlink(parts[-1], dir_fd=folder)

    def remove_folder(self, parts: Parts) -> None:
        """Delete the empty folder ``parts`` (a symlink there is refused, not followed)."""
        with self._lock, self.folder(parts[:-1]) as folder:
            os.rmdir(parts[-1], dir_fd=folder)

    def close(self) -> None:
        """Close every descriptor; idempotent."""
        with self._lock:
            while self._appending:
                _, fd = self._appending.popitem()
                os.close(fd)
            fd, self._fd = self._fd, None
            if fd is not None:
                os.close(fd)
