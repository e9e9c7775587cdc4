"""The one array boundary: everything a caller hands us becomes a numpy array here.

Layer 0: imports numpy, attrs and the standard library only.

Tensors are accepted by duck typing (``.detach().cpu().numpy()``), so torch is never
imported. Arrays stored in scene values are read-only, C-contiguous and of a fixed dtype;
converting an array that already is one returns it without copying, which makes every
converter idempotent.
"""
from __future__ import annotations

import functools
import numbers
from typing import Any, Callable, Optional, Sequence

import attrs
import numpy as np

__all__ = [
    "COORD_LIMIT",
    "array_field",
    "finite_number",
    "as_numpy",
    "frozen",
    "check_shape",
    "check_finite",
    "as_image",
    "shape_text",
    "reduce_through_init",
]


#: Largest coordinate magnitude, in pixels, a scene may hold. Cairo stores coordinates in
#: 24.8 fixed point (about +-8.4 million) and its arc and dash code slows to a crawl on
#: shapes far beyond that, so anything larger is rejected when a node is built.
COORD_LIMIT = 4_000_000.0

#: An attrs field holding a numpy array: compared with ``np.array_equal``, left out of the hash.
array_field = functools.partial(attrs.field, eq=attrs.cmp_using(eq=np.array_equal), hash=False)


def finite_number(name: str) -> Callable[[Any], float]:
    """A converter to a finite float within +-``COORD_LIMIT``; errors name ``name``."""
    def convert(value: Any) -> float:
        if isinstance(value, (bool, str)) or not np.isscalar(value) and not hasattr(value, "item"):
            raise TypeError(f"{name}: expected a number, got {value!r}")
        number = float(value)
        if not np.isfinite(number):
            raise ValueError(f"{name}: expected a finite number, got {number}")
        if abs(number) > COORD_LIMIT:
            raise ValueError(f"{name}: expected a value within +-{COORD_LIMIT:,.0f}, got {number:g}")
        return number
    return convert


def _is_tensor(value: Any) -> bool:
    return all(hasattr(value, attr) for attr in ("detach", "cpu", "numpy"))


def as_numpy(value: Any, name: str) -> np.ndarray:
    """Return ``value`` as a numpy array without copying when it already is one.

    Accepts numpy arrays, torch tensors (any device, with grad, any float type including
    bfloat16), numbers, and (nested) lists and tuples of numbers. Strings, dicts, None and
    other objects raise ``TypeError`` naming ``name``.
    """
    if isinstance(value, np.ndarray):
        return value
    if _is_tensor(value):
        tensor = value.detach().cpu()
        if str(getattr(tensor, "dtype", "")) == "torch.bfloat16":
            tensor = tensor.float()  # numpy has no bfloat16
        return tensor.numpy()
    if isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except ValueError as err:  # ragged nesting
            raise ValueError(f"{name}: expected a rectangular array, got a ragged sequence ({err})") from None
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name}: expected numbers, got a sequence of {array.dtype}")
        return array
    if isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, (str, bytes)):
        return np.asarray(value)
    raise TypeError(
        f"{name}: expected a numpy array, a torch tensor or a sequence of numbers, "
        f"got {type(value).__name__}"
    )


def frozen(array: np.ndarray, dtype: Any) -> np.ndarray:
    """Return a read-only, C-contiguous copy of ``array`` as ``dtype``.

    Idempotent: an array that is already read-only, C-contiguous and of ``dtype`` is returned
    as it is. A writable array is always copied, so the caller keeps their array unchanged and
    cannot write into ours.
    """
    dtype = np.dtype(dtype)
    if array.dtype == dtype and array.flags.c_contiguous and not array.flags.writeable:
        return array
    out = np.array(array, dtype=dtype, order="C", copy=True)
    out.flags.writeable = False
    return out


def shape_text(shape: Sequence[Optional[int]], names: str = "NMK") -> str:
    """Format an expected shape, ``None`` entries as letters: ``(None, 4)`` -> ``(N, 4)``."""
    letters = iter(names)
    parts = [str(dim) if dim is not None else next(letters) for dim in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def check_shape(array: np.ndarray, name: str, *expected: Sequence[Optional[int]]) -> None:
    """Raise ``ValueError`` unless ``array.shape`` matches one of ``expected``.

    ``None`` in an expected shape matches any size. The message names the argument and
    gives the expected shapes and the one it got: ``boxes: expected shape (N, 4), got (3,)``.
    """
    for shape in expected:
        if len(shape) == array.ndim and all(e is None or e == g for e, g in zip(shape, array.shape)):
            return
    wanted = " or ".join(shape_text(s) for s in expected)
    raise ValueError(f"{name}: expected shape {wanted}, got {tuple(array.shape)}")


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` when a float array holds NaN or infinity."""
    if array.dtype.kind in "fc" and array.size and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "infinite values"
        raise ValueError(f"{name}: expected finite numbers, got {bad}")


def as_image(value: Any, name: str = "image") -> np.ndarray:
    """Return an (H, W, 3) uint8 RGB image; the documented input rule for every public image.

    - uint8 (H, W, 3) is used as it is (not copied here).
    - (H, W) and (H, W, 1) gray is repeated to three channels.
    - (H, W, 4) RGBA is composited over black: ``rgb * alpha / 255``.
    - bool images map False/True to 0/255.
    - Float images whose values all lie in [0, 1] are scaled by 255; float images with values
      in [0, 255] are rounded; anything else (negative, above 255, NaN) is a ``ValueError``.
    - Integer images must hold values in [0, 255].
    - Zero-area images are a ``ValueError``.
    """
    array = as_numpy(value, name)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    check_shape(array, name, (None, None), (None, None, 3), (None, None, 4))
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name}: expected an image with positive height and width, got shape {array.shape}")
    kind = array.dtype.kind
    if kind == "b":
        array = array.astype(np.uint8) * np.uint8(255)
    elif kind == "f":
        check_finite(array, name)
        low, high = float(array.min()), float(array.max())
        if low < 0 or high > 255:
            raise ValueError(f"{name}: expected float values in [0, 1] or [0, 255], got range [{low:g}, {high:g}]")
        scale = 255.0 if high <= 1.0 else 1.0
        array = np.rint(array * scale).astype(np.uint8)
    elif kind in "iu":
        if array.dtype != np.uint8:
            low, high = int(array.min()), int(array.max())
            if low < 0 or high > 255:
                raise ValueError(f"{name}: expected integer values in [0, 255], got range [{low}, {high}]")
            array = array.astype(np.uint8)
    else:
        raise TypeError(f"{name}: expected a numeric image, got dtype {array.dtype}")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.shape[2] == 4:
        alpha = array[:, :, 3:4].astype(np.uint16)
        array = ((array[:, :, :3].astype(np.uint16) * alpha + 127) // 255).astype(np.uint8)
    return array


def _construct(cls, values):
    return cls(*values)


def reduce_through_init(value: Any) -> tuple:
    """A ``__reduce__`` result that rebuilds an attrs value through its constructor, so
    converters run again and unpickled arrays come back read-only."""
    return (_construct, (type(value), tuple(getattr(value, f.name) for f in attrs.fields(type(value)) if f.init)))
