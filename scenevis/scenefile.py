"""Scene files: a scene as versioned JSON and back (the format: docs/scene-format.md).

Layer 3: the scene algebra and its nodes (L2), styles (L1), geometry and PNG (L0).

``to_dict(scene)`` gives plain JSON values and ``from_dict(d)`` rebuilds the scene through
the node constructors, so every converter and check runs again on what a file holds;
``dump``/``load`` write and read ``.scene.json`` files (``.scene.json.gz``: gzip). A loaded
scene equals the original (``==``, the same digest) and renders to identical pixels.

The codec is generic. A node is the ``init`` fields of its attrs class, each value written
by the codec of its type (:data:`CODECS`: arrays, PNG images, masks, mappings, nodes, and
the attrs values of :data:`VALUE_TYPES` field by field). What a file may name is listed
here, in :data:`NODE_TYPES` and :data:`VALUE_TYPES`: nothing is imported by name and
nothing is unpickled, so reading a file never runs code it holds. A new node type is one
entry in ``NODE_TYPES``; a new kind of field value is one :class:`Codec`.

Anything that is not this format is a ``ValueError`` (a wrong kind of value in the right
place a ``TypeError``) naming where in the file it is, raised before a node is built from
it; arrays are checked against :data:`MAX_ARRAY_BYTES` before they are decoded.
"""
from __future__ import annotations

import json
import math
import os
import re
import struct
import zlib
from collections.abc import Mapping
from typing import Any, Callable, NamedTuple, Optional, Union

import attrs
import numpy as np

from scenevis import _base64
from scenevis._digest import nodes_in
from scenevis._png import atomic_write, decode_png, encode_png, fast_zlib
from scenevis._threads import run_threads
from scenevis._version import __version__
from scenevis.geometry import Affine, BBox
from scenevis.nodes import (Boxes, Circles, Effect, Halo, Lines, Markers, Masks, MaskStack, Points, Polygons, Regions,
                            RotatedBoxes, Texts)
from scenevis.scene import Background, Empty, Group, Heatmap, Image, Scene
from scenevis.style import Style

__all__ = ["FORMAT", "VERSION", "NODE_TYPES", "VALUE_TYPES", "CODECS", "Codec", "to_dict", "from_dict", "dumps",
           "loads", "dump", "load", "MAX_ARRAY_BYTES", "MAX_FILE_BYTES"]

#: The ``"format"`` every scene file names, and the version this module writes and reads.
FORMAT = "scenevis.scene"
VERSION = 1

#: The node types a file may hold, by the name it gives them.
NODE_TYPES: dict = {kind.__name__: kind for kind in (
    Empty, Group, Image, Heatmap, Background, Boxes, Points, Circles, Lines, Polygons, Masks, Texts, RotatedBoxes,
    Markers, Effect, Halo)}
#: Other attrs values a field may hold, written field by field like nodes, by name.
VALUE_TYPES: dict = {kind.__name__: kind for kind in (Style, Affine, BBox, Regions)}

#: The most bytes one array (or one image, or one node's masks) may decode to.
MAX_ARRAY_BYTES = 1 << 30
#: The most bytes a file may hold (after gzip).
MAX_FILE_BYTES = 4 << 30
#: How deeply values may nest inside one node's field (nodes refer to each other by index).
MAX_DEPTH = 16

_TOP_KEYS = {"format", "version", "generator", "root", "nodes"}
# Array dtypes a file may name (little-endian), and the dtype each is read as.
_DTYPES = {np.dtype(t).str: np.dtype(t) for t in (
    np.bool_, np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64, np.float32,
    np.float64)}


class Codec(NamedTuple):
    """How one kind of field value is written (``encode(value, writer)`` -> JSON value)
    and read (``decode(obj, reader, where, depth)`` -> the value, ``obj`` a dict tagged
    ``tag``; ``where`` names it in errors, ``depth`` is how deeply it is nested)."""

    tag: str
    kind: type
    encode: Callable
    decode: Callable


def _fail(where: str, message: str, kind: type = ValueError):
    return kind(f"scene file: {where}: {message}")


def _unb64(text: Any, nbytes: int, where: str, reader: "_Reader") -> bytes:
    """The bytes of base64 ``text`` that must decode to ``nbytes`` (checked before decoding)."""
    if not isinstance(text, str):
        raise _fail(where, f"expected base64 text, got {type(text).__name__}", TypeError)
    text = reader.blobs.get(text, text)
    if len(text) != 4 * math.ceil(nbytes / 3):
        raise _fail(where, f"expected {nbytes} bytes ({4 * math.ceil(nbytes / 3)} base64 characters), "
                           f"got {len(text)} characters")
    try:
        data = _base64.decode(text)
    except ValueError as err:
        raise _fail(where, f"invalid base64 ({err})") from None
    if len(data) != nbytes:
        raise _fail(where, f"expected {nbytes} bytes, the base64 text holds {len(data)}")
    return data


def _field(obj: dict, key: str, kind: Union[type, tuple], where: str) -> Any:
    if key not in obj:
        raise _fail(where, f"missing {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise _fail(f"{where}.{key}", f"expected {names}, got {type(value).__name__}", TypeError)
    return value


def _shape(obj: dict, where: str, max_ndim: int = 8) -> tuple:
    shape = _field(obj, "shape", list, where)
    if len(shape) > max_ndim or not all(type(v) is int and v >= 0 for v in shape):
        raise _fail(f"{where}.shape", f"expected at most {max_ndim} sizes >= 0, got {shape[:max_ndim + 1]}")
    return tuple(shape)


def _check_size(nbytes: int, where: str) -> None:
    if nbytes > MAX_ARRAY_BYTES:
        raise _fail(where, f"declares {nbytes:,} bytes; at most MAX_ARRAY_BYTES = {MAX_ARRAY_BYTES:,} are read")


# -- arrays ---------------------------------------------------------------------------------
def _is_picture(array: np.ndarray) -> bool:
    return array.dtype == np.uint8 and array.ndim == 3 and 1 <= array.shape[2] <= 4 and array.size > 0


def _encode_array(array: np.ndarray, writer: "_Writer") -> dict:
    if array.dtype.kind == "U":
        return {"$": "strings", "shape": list(array.shape), "items": array.reshape(-1).tolist()}
    if _is_picture(array):
        return {"$": "png", "shape": list(array.shape), "data": writer.blob(encode_png(array))}
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    if dtype.str not in _DTYPES:
        raise TypeError(f"scene file: cannot store an array of dtype {array.dtype}; add it to _DTYPES in "
                        f"scenevis/scenefile.py if it is plain numbers")
    data = np.ascontiguousarray(array, dtype)
    return {"$": "array", "dtype": dtype.str, "shape": list(array.shape),
            "data": writer.blob(data.data if data.size else b"")}


def _decode_array(obj: dict, reader: "_Reader", where: str, depth: int) -> np.ndarray:
    name = _field(obj, "dtype", str, where)
    dtype = _DTYPES.get(name)
    if dtype is None:
        raise _fail(f"{where}.dtype", f"expected one of {sorted(_DTYPES)}, got {name!r}")
    shape = _shape(obj, where)
    nbytes = math.prod(shape) * dtype.itemsize
    _check_size(nbytes, where)
    data = _unb64(obj.get("data"), nbytes, f"{where}.data", reader)
    return np.frombuffer(data, dtype).reshape(shape)


def _decode_png(obj: dict, reader: "_Reader", where: str, depth: int) -> np.ndarray:
    shape = _shape(obj, where, 3)
    if len(shape) != 3 or not 1 <= shape[2] <= 4:
        raise _fail(f"{where}.shape", f"expected (H, W, C) with 1 to 4 channels, got {list(shape)}")
    _check_size(math.prod(shape), where)
    text = _field(obj, "data", str, where)
    try:
        png = _base64.decode(reader.blobs.get(text, text))
    except ValueError as err:
        raise _fail(f"{where}.data", f"invalid base64 ({err})") from None
    return decode_png(png, f"scene file: {where}.data", shape)


def _decode_strings(obj: dict, reader: "_Reader", where: str, depth: int) -> np.ndarray:
    shape = _shape(obj, where)
    items = _field(obj, "items", list, where)
    if len(items) != math.prod(shape) or not all(isinstance(item, str) for item in items):
        raise _fail(f"{where}.items", f"expected {math.prod(shape)} strings for shape {list(shape)}")
    out = np.array(items, np.str_).reshape(shape)
    out.flags.writeable = False
    return out


# -- masks: the crops of a MaskStack, run-length encoded ------------------------------------------
def _encode_masks(stack: MaskStack, writer: "_Writer") -> dict:
    """Every crop flattened and joined, as the lengths of alternating runs of False and
    True (the first run False, possibly empty), in the smallest unsigned dtype that fits."""
    bits = np.concatenate([crop.reshape(-1) for crop in stack.crops]) if len(stack) else np.zeros(0, np.bool_)
    edges = np.flatnonzero(bits[1:] != bits[:-1]) + 1
    runs = np.diff(np.concatenate([[0], edges, [len(bits)]]))
    if len(bits) and bits[0]:
        runs = np.concatenate([[0], runs])
    top = int(runs.max()) if len(runs) else 0
    dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if top <= np.iinfo(t).max)
    return {"$": "masks", "size": list(stack.size), "boxes": _encode_array(stack.boxes, writer),
            "runs": _encode_array(runs.astype(dtype), writer)}


def _decode_masks(obj: dict, reader: "_Reader", where: str, depth: int) -> MaskStack:
    size = _field(obj, "size", list, where)
    if len(size) != 2 or not all(type(v) is int and v > 0 for v in size):
        raise _fail(f"{where}.size", f"expected [H, W], two integers > 0, got {size[:3]}")
    boxes = reader.value(_field(obj, "boxes", dict, where), f"{where}.boxes", depth + 1)
    runs = reader.value(_field(obj, "runs", dict, where), f"{where}.runs", depth + 1)
    height, width = size
    if not isinstance(boxes, np.ndarray) or boxes.dtype != np.int64 or boxes.ndim != 2 or boxes.shape[1] != 4:
        raise _fail(f"{where}.boxes", "expected an (N, 4) int64 array")
    if not isinstance(runs, np.ndarray) or runs.dtype.kind != "u" or runs.ndim != 1:
        raise _fail(f"{where}.runs", "expected a 1-D array of unsigned integers")
    x0, y0, x1, y1 = boxes.T
    inside = (0 <= x0) & (x0 <= x1) & (x1 <= width) & (0 <= y0) & (y0 <= y1) & (y1 <= height)
    if not inside.all():
        k = int(np.flatnonzero(~inside)[0])
        raise _fail(f"{where}.boxes[{k}]", f"expected x0 <= x1 <= {width} and y0 <= y1 <= {height} from 0, "
                                           f"got {boxes[k].tolist()}")
    sizes = (x1 - x0) * (y1 - y0)
    total = int(sizes.sum())
    _check_size(total, where)
    if int(runs.sum(dtype=np.uint64)) != total:
        raise _fail(f"{where}.runs", f"expected runs adding up to the {total} pixels of the crops, "
                                     f"got {int(runs.sum(dtype=np.uint64))}")
    bits = np.repeat(np.arange(len(runs)) % 2 == 1, runs.astype(np.int64))  # each run <= total: it fits
    bits.flags.writeable = False
    ends = np.cumsum(sizes).tolist()
    crops = [bits[end - n:end].reshape(h, w) for end, n, h, w in zip(ends, sizes.tolist(), (y1 - y0).tolist(),
                                                                      (x1 - x0).tolist())]
    return MaskStack(crops, boxes, (height, width))


# -- mappings, nodes, attrs values ------------------------------------------------------------
def _encode_mapping(mapping: Mapping, writer: "_Writer") -> dict:
    for key in mapping:
        if not isinstance(key, str):
            raise TypeError(f"scene file: cannot store a mapping with a {type(key).__name__} key ({key!r})")
    return {"$": "dict", "items": {key: writer.value(value) for key, value in mapping.items()}}


def _decode_mapping(obj: dict, reader: "_Reader", where: str, depth: int) -> dict:
    items = _field(obj, "items", dict, where)
    return {key: reader.value(value, f"{where}[{key!r}]", depth + 1) for key, value in items.items()}


def _decode_node_ref(obj: dict, reader: "_Reader", where: str, depth: int) -> Scene:
    index = _field(obj, "index", int, where)
    if not 0 <= index < len(reader.nodes):
        raise _fail(f"{where}.index", f"expected the index of a node listed before this one "
                                      f"(0 to {len(reader.nodes) - 1}), got {index}")
    return reader.nodes[index]


def _fields(obj: dict, kind: type, reader: "_Reader", where: str, depth: int) -> dict:
    """Constructor arguments of attrs class ``kind`` from ``obj``'s fields, each decoded."""
    fields = {f.alias: f for f in attrs.fields(kind) if f.init}
    unknown = sorted(set(obj) - set(fields) - {"$"})
    if unknown:
        raise _fail(where, f"unknown field {unknown[0]!r} for {kind.__name__} (its fields: {sorted(fields)})")
    missing = [name for name, f in fields.items() if f.default is attrs.NOTHING and name not in obj]
    if missing:
        raise _fail(where, f"missing field {missing[0]!r} of {kind.__name__}")
    return {name: reader.value(value, f"{where}.{name}", depth + 1) for name, value in obj.items() if name != "$"}


def _built(kind: type, arguments: dict, where: str) -> Any:
    """``kind(**arguments)``: its converters and checks decide; their errors name ``where``."""
    try:
        return kind(**arguments)
    except (TypeError, ValueError) as err:
        raise type(err)(f"scene file: {where}: {err}") from None
    except Exception as err:  # a check that does not expect such a value: still the file's fault
        raise ValueError(f"scene file: {where}: cannot build a {kind.__name__} ({type(err).__name__}: {err})") from err


def _encode_attrs(value: Any, writer: "_Writer") -> dict:
    kind = type(value)
    return {"$": kind.__name__, **{f.alias: writer.value(getattr(value, f.name)) for f in attrs.fields(kind) if f.init}}


#: One codec per kind of field value; ``_Writer`` picks by type, ``_Reader`` by tag. Arrays
#: have one encoder, which picks the tag: PNG for (H, W, C) uint8 pictures, a list for
#: strings, raw little-endian bytes for the rest.
CODECS = (
    Codec("array", np.ndarray, _encode_array, _decode_array),
    Codec("png", np.ndarray, None, _decode_png),
    Codec("strings", np.ndarray, None, _decode_strings),
    Codec("masks", MaskStack, _encode_masks, _decode_masks),
    Codec("dict", Mapping, _encode_mapping, _decode_mapping),
    Codec("node", Scene, None, _decode_node_ref),
)
_ENCODERS = {codec.kind: codec.encode for codec in CODECS if codec.encode is not None}
_DECODERS = {codec.tag: codec.decode for codec in CODECS}


class _Writer:
    """Lists every node once (children before parents) and encodes field values.

    With ``spliced``, binary data becomes a placeholder string (unique to this writer)
    and its base64 text is kept in ``blobs``, to be put in place of the placeholder in
    the JSON text: ``json.dumps`` then never scans megabytes of base64 for characters to
    escape (base64 has none)."""

    def __init__(self, spliced: bool = False) -> None:
        self.nodes: list = []
        self.index: dict = {}  # id(node) -> its place in ``nodes``
        self.blobs: Optional[list] = [] if spliced else None
        self.token = os.urandom(8).hex()

    def blob(self, data: Any) -> str:
        text = _base64.encode(data)
        if self.blobs is None:
            return text.decode("ascii")
        self.blobs.append(text)
        return f"\x01{self.token}:{len(self.blobs) - 1}\x01"

    def add(self, root: Scene) -> int:
        stack = [root]
        while stack:
            node = stack[-1]
            if id(node) in self.index:
                stack.pop()
                continue
            kind = type(node)
            if NODE_TYPES.get(kind.__name__) is not kind:
                raise TypeError(f"scene file: cannot store a {kind.__name__} node: add it to NODE_TYPES in "
                                f"scenevis/scenefile.py")
            pending = [inner for f in attrs.fields(kind) if f.init
                       for inner in nodes_in(getattr(node, f.name), Scene) if id(inner) not in self.index]
            if pending:
                stack.extend(reversed(pending))  # listed in the order they are drawn
                continue
            stack.pop()
            entry = {"$": kind.__name__}
            entry.update((f.alias, self.value(getattr(node, f.name))) for f in attrs.fields(kind) if f.init)
            self.index[id(node)] = len(self.nodes)
            self.nodes.append(entry)
        return self.index[id(root)]

    def value(self, value: Any) -> Any:
        kind = type(value)
        if value is None or kind is bool or kind is int or kind is str:
            return value
        if kind is float:
            if not math.isfinite(value):
                raise ValueError(f"scene file: cannot store the number {value!r} (JSON holds finite numbers)")
            return value
        if isinstance(value, Scene):
            return {"$": "node", "index": self.index[id(value)]}
        if kind is tuple or kind is list:
            return [self.value(item) for item in value]
        if isinstance(value, np.generic):
            return self.value(value.item())
        if VALUE_TYPES.get(kind.__name__) is kind:
            return _encode_attrs(value, self)
        encode = _ENCODERS.get(kind) or next((e for k, e in _ENCODERS.items() if isinstance(value, k)), None)
        if encode is None:
            raise TypeError(f"scene file: cannot store a {kind.__name__}: add a Codec for it (or its class to "
                            f"VALUE_TYPES) in scenevis/scenefile.py")
        return encode(value, self)


class _Reader:
    """Builds the listed nodes in order; a node refers only to nodes listed before it.

    ``blobs`` maps the placeholders :func:`_cut_blobs` put in the JSON text to the raw
    text they stand for: the codecs of binary data decode it as base64 bytes, and any other
    field gets back the string the text spells in JSON."""

    def __init__(self, blobs: Optional[dict] = None) -> None:
        self.nodes: list = []
        self.blobs: dict = blobs or {}

    def node(self, entry: Any, where: str) -> Scene:
        if not isinstance(entry, dict):
            raise _fail(where, f"expected a node (an object), got {type(entry).__name__}", TypeError)
        name = entry.get("$")
        kind = NODE_TYPES.get(name) if isinstance(name, str) else None
        if kind is None:
            raise _fail(f"{where}.$", f"expected a node type, one of {sorted(NODE_TYPES)}, got {name!r}")
        where = f"{where} ({name})"
        return _built(kind, _fields(entry, kind, self, where, 0), where)

    def value(self, obj: Any, where: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _fail(where, f"values nest deeper than {MAX_DEPTH} levels")
        kind = type(obj)
        if kind is str and obj in self.blobs:
            try:
                return json.loads(b'"' + self.blobs[obj] + b'"')
            except ValueError as err:
                raise _fail(where, f"not a JSON string ({err})") from None
        if obj is None or kind is bool or kind is int or kind is float or kind is str:
            return obj
        if kind is list:
            return tuple(self.value(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(obj))
        if kind is not dict:
            raise _fail(where, f"expected a JSON value, got {kind.__name__}", TypeError)
        tag = obj.get("$")
        if not isinstance(tag, str):
            raise _fail(where, f"expected an object tagged with \"$\", got the keys {sorted(obj)[:5]}")
        value_kind = VALUE_TYPES.get(tag)
        if value_kind is not None:
            return _built(value_kind, _fields(obj, value_kind, self, where, depth), where)
        decode = _DECODERS.get(tag)
        if decode is None:
            raise _fail(f"{where}.$", f"expected one of {sorted(_DECODERS) + sorted(VALUE_TYPES)}, got {tag!r}")
        return decode(obj, self, where, depth)


# -- public functions ---------------------------------------------------------------------------
def to_dict(scene: Scene) -> dict:
    """``scene`` as plain JSON values: ``{"format", "version", "generator", "root", "nodes"}``.

    Every node is listed once, children before their parents (a node used twice is
    stored once); ``root`` is the index of ``scene``. See docs/scene-format.md."""
    return _document(scene, _Writer())


def _document(scene: Scene, writer: _Writer) -> dict:
    if not isinstance(scene, Scene):
        raise TypeError(f"scene: expected a scenevis Scene, got {type(scene).__name__}")
    root = writer.add(scene)
    return {"format": FORMAT, "version": VERSION, "generator": f"scenevis {__version__}", "root": root,
            "nodes": writer.nodes}


def from_dict(data: Any) -> Scene:
    """The scene ``data`` (as :func:`to_dict` gives it) describes, each node built through
    its constructor. Anything else is a ``ValueError`` or ``TypeError`` naming where."""
    return _read(data, _Reader())


def _read(data: Any, reader: _Reader) -> Scene:
    if not isinstance(data, dict):
        raise TypeError(f"scene file: expected a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ValueError(f"scene file: not a scenevis scene (expected \"format\": {FORMAT!r}, "
                         f"got {data.get('format')!r})")
    version = data.get("version")
    if type(version) is not int or version < 1:
        raise ValueError(f"scene file: expected \"version\": a positive integer, got {version!r}")
    if version > VERSION:
        raise ValueError(f"scene file: version {version} is newer than this scenevis reads (up to {VERSION}); "
                         "upgrade scenevis to read it")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ValueError(f"scene file: unknown key {unknown[0]!r} (expected {sorted(_TOP_KEYS)})")
    nodes = _field(data, "nodes", list, "file")
    root = _field(data, "root", int, "file")
    if not 0 <= root < len(nodes):
        raise ValueError(f"scene file: \"root\": expected a node index in [0, {len(nodes)}), got {root}")
    for i, entry in enumerate(nodes):
        reader.nodes.append(reader.node(entry, f"nodes[{i}]"))
    return reader.nodes[root]


def dumps(scene: Scene, compress: bool = False) -> bytes:
    """The scene file's bytes: compact ASCII JSON, or gzip of it with ``compress``."""
    writer = _Writer(spliced=True)
    skeleton = json.dumps(_document(scene, writer), separators=(",", ":"), allow_nan=False).encode("ascii")
    parts = re.split(rb'"\\u0001' + writer.token.encode() + rb':(\d+)\\u0001"', skeleton)
    for i in range(1, len(parts), 2):  # the placeholders' numbers, between the JSON around them
        parts[i] = b'"' + writer.blobs[int(parts[i])] + b'"'
    data = b"".join(parts)
    return _gzip(data) if compress else data


#: Each gzip member of a ``.scene.json.gz`` holds this many bytes of JSON or fewer.
GZIP_MEMBER_BYTES = 1 << 20
#: The extra field every member's header carries: subfield ``sv`` of 4 bytes, the
#: member's whole size (little-endian), so a reader finds every member without inflating.
_GZIP_HEADER = struct.Struct("<4sIBBH2sHI")


def _gzip(data: bytes) -> bytes:
    """gzip, fast: scene files are mostly base64 of compressed data, which string matching
    cannot shrink, while Huffman codes take back its 6-bits-in-8. ISA-L's level 1 when it
    is installed, else zlib's Huffman coding only (the same size, three times the time).
    ISA-L looks back 512 bytes only (``wbits=-9``): a shorter search for matches that
    base64 does not have (3.5 against 4.1 ms of CPU for the W1 scene's 2 MB, 0.07% more
    bytes); any reader inflates it with its usual window.

    The JSON is cut into members of :data:`GZIP_MEMBER_BYTES` compressed on parallel
    threads; any gzip reader reads the members one after another as one file."""
    count = max(1, -(-len(data) // GZIP_MEMBER_BYTES))
    edges = [len(data) * i // count for i in range(count + 1)]
    members: list = [b""] * count
    zmod = fast_zlib()

    def member(i: int) -> None:
        part = memoryview(data)[edges[i]:edges[i + 1]]
        deflate = (zmod.compressobj(1, zmod.DEFLATED, -9, 9) if zmod is not zlib
                   else zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_HUFFMAN_ONLY))
        body = deflate.compress(part) + deflate.flush()
        size = _GZIP_HEADER.size + len(body) + 8
        header = _GZIP_HEADER.pack(b"\x1f\x8b\x08\x04", 0, 0, 255, 8, b"sv", 4, size)
        members[i] = header + body + struct.pack("<II", zmod.crc32(part), len(part))

    run_threads(member, count)
    return b"".join(members)


def _members(data: bytes) -> Optional[list]:
    """``[(start, end, size)]``: where each member written by :func:`_gzip` lies and how
    many bytes it holds, read from the headers and trailers alone; None for gzip data
    written otherwise (or not as its headers say), which is read one member at a time."""
    spans, pos, total = [], 0, 0
    while pos < len(data):
        if pos + _GZIP_HEADER.size + 8 > len(data):
            return None
        magic, _, _, _, xlen, tag, length, size = _GZIP_HEADER.unpack_from(data, pos)
        if (magic, xlen, tag, length) != (b"\x1f\x8b\x08\x04", 8, b"sv", 4) or size < _GZIP_HEADER.size + 8 \
                or pos + size > len(data):
            return None
        (held,) = struct.unpack_from("<I", data, pos + size - 4)
        spans.append((pos, pos + size, held))
        total += held
        pos += size
    return spans if total <= MAX_FILE_BYTES else None


def _gunzip_members(data: bytes, spans: list) -> Optional[bytes]:
    """The bytes of the members at ``spans``, each inflated on a thread of its own and
    checked against its CRC-32 and length; None when one is not as its trailer says."""
    parts: list = [None] * len(spans)
    zmod = fast_zlib()

    def member(i: int) -> None:
        start, end, held = spans[i]
        inflater = zmod.decompressobj(-15)
        try:
            part = inflater.decompress(memoryview(data)[start + _GZIP_HEADER.size:end - 8], held + 1)
        except zmod.error:
            return
        if inflater.eof and len(part) == held and struct.pack("<I", zmod.crc32(part)) == data[end - 8:end - 4]:
            parts[i] = part

    run_threads(member, len(spans))
    return b"".join(parts) if all(part is not None for part in parts) else None


#: Strings at least this long after a ``"data"`` key are cut out of the JSON text before
#: it is parsed (:func:`_cut_blobs`).
BLOB_BYTES = 1 << 12
_DATA_KEY = b'"data":"'


def _cut_blobs(data: bytes) -> tuple:
    """``(data, blobs)``: ``data`` with each long string after a ``"data"`` key (base64, in
    this format) replaced by a placeholder string unique to this call, and ``{placeholder:
    the raw text}``. ``json.loads`` then never builds megabytes of base64 into a ``str``
    character by character, and the codecs decode the raw bytes. A string holding a
    backslash (an escape) stays in place. In JSON the bytes after ``"data":"`` up to the
    next quote are one whole string when none of them is a backslash, as a quote inside a
    string is escaped."""
    token = os.urandom(8).hex()
    parts: list = []
    blobs: dict = {}
    done = 0
    start = data.find(_DATA_KEY)
    while start != -1:
        first = start + len(_DATA_KEY)
        end = data.find(b'"', first)
        if end == -1:
            break
        if end - first >= BLOB_BYTES and data.find(b"\\", first, end) == -1:
            parts += [data[done:first], b"\\u0001%s:%d" % (token.encode(), len(blobs))]
            blobs[f"\x01{token}:{len(blobs)}"] = memoryview(data)[first:end]
            done = end
        start = data.find(_DATA_KEY, end + 1)
    if not blobs:
        return data, blobs
    parts.append(data[done:])
    return b"".join(parts), blobs


def _reject_constant(name: str) -> None:
    raise ValueError(f"scene file: {name} is not a JSON number")


def loads(data: Union[bytes, str], name: str = "scene file") -> Scene:
    """The scene in a scene file's bytes (plain or gzip JSON, told apart by their first bytes)."""
    blobs: dict = {}
    if isinstance(data, str):
        text = data
    elif isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        if data[:2] == b"\x1f\x8b":
            data = _gunzip(data, name)
        data, blobs = _cut_blobs(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(f"{name}: not a scene file (not UTF-8 text: {err})") from None
    else:
        raise TypeError(f"data: expected the bytes of a scene file, got {type(data).__name__}")
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError(f"{name}: not a scene file (JSON nested too deeply)") from None
    except ValueError as err:
        raise ValueError(f"{name}: not a scene file (not JSON: {err})") from None
    return _read(obj, _Reader(blobs))


def _gunzip(data: bytes, name: str) -> bytes:
    """The bytes of gzip ``data`` (one member or more; each checked against its CRC-32),
    never inflated past ``MAX_FILE_BYTES``. Members that :func:`_gzip` wrote are inflated
    on parallel threads."""
    spans = _members(data)
    whole = _gunzip_members(data, spans) if spans else None
    if whole is not None:
        return whole
    parts, left = [], MAX_FILE_BYTES + 1
    while data and left > 0:
        inflater = zlib.decompressobj(31)
        try:
            parts.append(inflater.decompress(data, left))
        except zlib.error as err:
            raise ValueError(f"{name}: not a scene file (broken gzip: {err})") from None
        left -= len(parts[-1])
        if not inflater.eof and left > 0:
            raise ValueError(f"{name}: not a scene file (broken gzip: it ends early)")
        data = inflater.unused_data
    if left <= 0:
        raise ValueError(f"{name}: expected at most MAX_FILE_BYTES = {MAX_FILE_BYTES:,} bytes of JSON, got more")
    return b"".join(parts)


def _scene_path(path: Any) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file path, got {type(path).__name__}")
    return os.fspath(path)


def dump(scene: Scene, path: Any) -> str:
    """Write ``scene`` to ``path``, a ``.json`` file (``.scene.json`` by convention) or a
    ``.json.gz`` one (gzip); missing folders are created and the file is written whole
    under a temporary name, then renamed. Returns the path written."""
    path = _scene_path(path)
    lower = path.lower()
    if not (lower.endswith(".json") or lower.endswith(".json.gz")):
        raise ValueError(f"path: expected a .scene.json or .scene.json.gz file name, got {path!r}")
    data = dumps(scene, compress=lower.endswith(".gz"))
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    atomic_write(path, data)
    return path


def load(path: Any) -> Scene:
    """The scene stored at ``path`` by :func:`dump` (plain or gzip JSON)."""
    path = _scene_path(path)
    with open(path, "rb") as stream:
        # sized by the file: read(MAX_FILE_BYTES + 1) allocates the whole bound up front,
        # a millisecond for a 2 MB file
        size = os.fstat(stream.fileno()).st_size
        data = stream.read(min(size, MAX_FILE_BYTES) + 1)
        if size < len(data) <= MAX_FILE_BYTES:  # it grew since fstat
            data += stream.read(MAX_FILE_BYTES + 1 - len(data))
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"{path}: expected at most MAX_FILE_BYTES = {MAX_FILE_BYTES:,} bytes, got more")
    return loads(data, path)
