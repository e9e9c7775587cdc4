"""A small reader for the ``run-*.wandb`` file of an offline W&B run (tests only).

Format, as written by wandb-core (``core/pkg/leveldb/record.go`` and the store in the
wandb repository; checked here against files the installed wandb writes):

- a 7-byte header: ``b':W&B'``, magic ``0xBEE1`` (uint16 little-endian), version byte;
- then a LevelDB log: the file is cut into 32 KiB blocks counted from offset 0 (the
  header sits in the first block); a block holds chunks ``crc32 (uint32 LE) | length
  (uint16 LE) | type (uint8) | payload``, where the CRC is the IEEE CRC-32 of the type byte
  and the payload; type 1 is a full record, 2/3/4 the first/middle/last piece of one; a
  block tail shorter than a chunk header is zero padding;
- each record is a serialized ``wandb.proto.wandb_internal_pb2.Record``.
"""
import json
import struct
import zlib

BLOCK = 32 * 1024
HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def read_payloads(path, torn_tail=False):
    """Yield the payload bytes of every record, checking header, CRCs and chunk order.

    ``torn_tail=True`` stops quietly where the file ends inside a record (a run whose
    writer was killed between flushes) instead of raising.
    """
    with open(path, "rb") as handle:
        data = handle.read()
    ident, magic, version = struct.unpack("<4sHB", data[:HEADER])
    if ident != b":W&B" or magic != 0xBEE1:
        raise ValueError(f"not a W&B log: ident={ident!r} magic={magic:#x}")
    if version not in (0, 1):
        raise ValueError(f"unknown W&B log version {version}")
    pos, pending = HEADER, None
    while pos < len(data):
        left_in_block = BLOCK - pos % BLOCK
        if left_in_block < HEADER:
            if data[pos : pos + left_in_block].strip(b"\0"):
                raise ValueError(f"non-zero block padding at {pos}")
            pos += left_in_block
            continue
        if pos + HEADER > len(data):
            if torn_tail:
                return
            raise ValueError(f"truncated chunk header at {pos}")
        crc, length, kind = struct.unpack("<IHB", data[pos : pos + HEADER])
        if crc == 0 and length == 0 and kind == 0:  # zero-filled rest of a block
            pos += left_in_block
            continue
        payload = data[pos + HEADER : pos + HEADER + length]
        if torn_tail and len(payload) != length:
            return
        if len(payload) != length or HEADER + length > left_in_block:
            raise ValueError(f"chunk at {pos} overruns its block or the file")
        if zlib.crc32(bytes([kind]) + payload) != crc:
            raise ValueError(f"CRC mismatch in chunk at {pos}")
        pos += HEADER + length
        if kind == FULL:
            if pending is not None:
                raise ValueError("FULL chunk inside a multi-chunk record")
            yield payload
        elif kind == FIRST:
            pending = bytearray(payload)
        elif kind in (MIDDLE, LAST):
            if pending is None:
                raise ValueError(f"chunk type {kind} without a FIRST chunk")
            pending += payload
            if kind == LAST:
                yield bytes(pending)
                pending = None
        else:
            raise ValueError(f"unknown chunk type {kind} at {pos}")
    if pending is not None and not torn_tail:
        raise ValueError("file ends inside a multi-chunk record")


def read_records(path, torn_tail=False):
    """Every ``Record`` message in the file, in order (see :func:`read_payloads`)."""
    from wandb.proto import wandb_internal_pb2

    records = []
    for payload in read_payloads(path, torn_tail):
        record = wandb_internal_pb2.Record()
        record.ParseFromString(payload)
        records.append(record)
    return records


def records_with_exit(path, timeout=60.0):
    """The file's records once wandb-core has written its exit record: ``run.finish()``
    can return before the service has flushed the offline file (seen about once in a
    dozen runs in one process)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            records = read_records(path)
            if any(r.WhichOneof("record_type") == "exit" for r in records):
                return records
        except ValueError:  # a chunk still being written
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never got its exit record")
        time.sleep(0.05)


def history(records):
    """History rows as dicts (values JSON-decoded), including ``_step``."""
    rows = []
    for record in records:
        if record.WhichOneof("record_type") == "history":
            row = {}
            for item in record.history.item:
                key = item.key or "/".join(item.nested_key)
                row[key] = json.loads(item.value_json)
            if record.history.HasField("step"):
                row.setdefault("_step", record.history.step.num)
            rows.append(row)
    return rows


def config(records):
    """The run's config as a dict (later updates win)."""
    values = {}
    for record in records:
        kind = record.WhichOneof("record_type")
        items = record.config.update if kind == "config" else record.run.config.update if kind == "run" else []
        for item in items:
            key = item.key or "/".join(item.nested_key)
            values[key] = json.loads(item.value_json)
    return values


def defined_metrics(records):
    """Each metric's definition as W&B resolves it, by name (glob definitions under their
    pattern, e.g. ``'*'``): successive ``define_metric`` calls for one metric are merged
    field by field, unless a call says ``overwrite=True`` (``Run.define_metric``'s rule)."""
    from wandb.proto import wandb_internal_pb2

    merged = {}
    for record in records:
        if record.WhichOneof("record_type") != "metric":
            continue
        metric = record.metric
        into = merged.setdefault(metric.name or metric.glob_name, wandb_internal_pb2.MetricRecord())
        if metric._control.overwrite:
            into.CopyFrom(metric)
        else:
            into.MergeFrom(metric)
    return merged
