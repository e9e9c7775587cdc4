"""The one array boundary: everything a caller hands us becomes a numpy array here.

Layer 0: imports numpy, attrs and the standard library only.

Tensors are accepted by duck typing (``.detach().cpu().numpy()``), so torch is never
imported. Arrays stored in scene values are read-only, C-contiguous and of a fixed dtype;
converting an array that already is one returns it without copying, which makes every
converter idempotent.

Each kind of value has one check, here: :func:`number` and :func:`numbers` (real, finite,
within a range), :func:`coords` (coordinate arrays of a given shape), :func:`levels` (the
one rule for 0-1 and 0-255 channels, shared by images and colors) and :func:`as_image`.
"""
from __future__ import annotations

import functools
import math
import sys
from numbers import Number, Real
import warnings
from typing import Any, Callable, Optional, Sequence

import attrs
import numpy as np

__all__ = [
    "COORD_LIMIT",
    "MAX_IMAGE_SIDE",
    "array_field",
    "number",
    "number_field",
    "coordinate",
    "numbers",
    "coords",
    "as_numpy",
    "frozen",
    "check_shape",
    "check_finite",
    "levels",
    "as_image",
    "shape_text",
    "reduce_through_init",
]


#: Largest coordinate magnitude, in pixels, a scene may hold. Cairo stores coordinates in
#: 24.8 fixed point (about +-8.4 million) and its arc and dash code slows to a crawl on
#: shapes far beyond that, so anything larger is rejected when a node is built.
COORD_LIMIT = 4_000_000.0

#: Largest side, in pixels, of an image scenevis makes (Cairo's image surfaces stop there).
MAX_IMAGE_SIDE = 1 << 15

#: An attrs field holding a numpy array: compared with ``np.array_equal``, left out of the hash.
array_field = functools.partial(attrs.field, eq=attrs.cmp_using(eq=np.array_equal), hash=False)


def _range_text(low: float, high: float) -> str:
    if low == -math.inf:
        return f"<= {high:g}"
    if high == math.inf:
        return f">= {low:g}"
    return f"in [{low:g}, {high:g}]"


def number(value: Any, name: str, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` as a finite float in ``[low, high]``; the one check of a single number.

    Python and numpy reals and 0-d arrays or tensors are numbers; bools, strings, complex
    numbers and other objects are a ``TypeError``, NaN, infinity and values out of range a
    ``ValueError``, each naming ``name``.
    """
    if not isinstance(value, float) and type(value) is not int:  # numpy's float64 is a float
        if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
            value = value.item()
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
            raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    x = float(value)
    if not low <= x <= high:
        if not math.isfinite(x):
            raise ValueError(f"{name}: expected a finite number, got {x}")
        if -low == high:
            raise ValueError(f"{name}: expected a value within +-{high:,.0f}, got {x:g}")
        raise ValueError(f"{name}: expected a value {_range_text(low, high)}, got {x:g}")
    if not math.isfinite(x):
        raise ValueError(f"{name}: expected a finite number, got {x}")
    return x


def number_field(name: str, low: float = -math.inf, high: float = math.inf) -> Callable[[Any], float]:
    """:func:`number` as a one-argument converter for an attrs field named ``name``."""
    return functools.partial(number, name=name, low=low, high=high)


def coordinate(name: str) -> Callable[[Any], float]:
    """A converter to one finite coordinate within +-``COORD_LIMIT`` pixels."""
    return number_field(name, -COORD_LIMIT, COORD_LIMIT)


def _real(array: np.ndarray, name: str) -> np.ndarray:
    """``array`` unless its dtype is not bool, integer or real float (``TypeError``):
    strings, objects and complex numbers are never read as numbers."""
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected real numbers, got dtype {array.dtype}")
    return array


#: The largest finite float64.
_LARGEST = sys.float_info.max


def numbers(value: Any, name: str, low: float = -math.inf, high: float = math.inf) -> np.ndarray:
    """A read-only 1-D float64 array of finite numbers in ``[low, high]`` from a number, a
    sequence, an array or a tensor; the one check of a list of numbers."""
    if type(value) in (int, float) and low <= value <= high and -_LARGEST < value < _LARGEST:
        array = np.array([value], np.float64)  # one plain number in range: no array checks needed
        array.flags.writeable = False
        return array
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        raise TypeError(f"{name}: expected a number or a sequence of numbers, got {value!r}")
    array = _real(as_numpy(value, name), name).reshape(-1)
    array = frozen(array, np.float64)
    if array.size:
        lowest, highest = array.min(), array.max()
        if not low <= lowest <= highest <= high:
            check_finite(array, name)
            raise ValueError(f"{name}: expected values {_range_text(low, high)}, "
                             f"got range [{lowest:g}, {highest:g}]")
        if not math.isfinite(lowest) or not math.isfinite(highest):
            check_finite(array, name)
    return array


def coords(value: Any, name: str, *shapes: Sequence[Optional[int]], columns: Optional[int] = None) -> np.ndarray:
    """A read-only, finite float64 coordinate array of one of ``shapes`` (within
    +-``COORD_LIMIT``); with ``columns``, a single item of shape ``(columns,)`` becomes
    ``(1, columns)``. The one coordinate converter."""
    if isinstance(value, (Number, np.generic)) and () not in shapes:
        raise TypeError(f"{name}: expected an array, a tensor or a sequence, got {type(value).__name__} {value!r}")
    array = as_numpy(value, name)
    check_shape(array, name, *shapes)  # first: a misshapen array is reported by its shape, whatever its dtype
    array = _real(array, name)
    if columns is not None and array.ndim == 1:
        array = array.reshape(1, columns)
    array = frozen(array, np.float64)
    if array.size:
        extreme = max(-array.min(), array.max())
        if not extreme <= COORD_LIMIT:
            check_finite(array, name)
            raise ValueError(f"{name}: expected values within +-{COORD_LIMIT:,.0f} px, got {extreme:g}")
    return array


def _is_tensor(value: Any) -> bool:
    return all(hasattr(value, attr) for attr in ("detach", "cpu", "numpy"))


def _tensor_to_numpy(value: Any, name: str) -> np.ndarray:
    """A tensor's values as a numpy array. Dense tensors on any device with data become
    numpy; numpy's missing dtypes (bfloat16, float8) become float32 and quantized tensors
    their dequantized floats. Sparse tensors are a ``TypeError`` and tensors on the
    ``meta`` device (no data) a ``ValueError``, both raised before anything is copied."""
    layout = str(getattr(value, "layout", "torch.strided"))
    if layout != "torch.strided":
        raise TypeError(f"{name}: expected a dense tensor, got a {layout.removeprefix('torch.')} one; "
                        "call .to_dense() first")
    if getattr(value, "is_meta", False):
        raise ValueError(f"{name}: expected a tensor holding values, got one on the 'meta' device (no data); "
                         "compute it on a real device first")
    tensor = value.detach()
    if getattr(tensor, "is_quantized", False):
        tensor = tensor.dequantize()
    tensor = tensor.cpu()
    dtype = str(getattr(tensor, "dtype", ""))
    if dtype == "torch.bfloat16" or dtype.startswith("torch.float8"):
        tensor = tensor.float()  # numpy has neither
    try:
        return tensor.numpy()
    except (TypeError, RuntimeError) as err:
        raise TypeError(f"{name}: expected a tensor of real numbers numpy can hold, got dtype {dtype} ({err})") from None


def as_numpy(value: Any, name: str) -> np.ndarray:
    """Return ``value`` as a numpy array without copying when it already is one.

    Accepts numpy arrays, torch tensors (any device, with grad, any float type including
    bfloat16 and float8, quantized), numbers, and (nested) lists and tuples of numbers.
    Strings, dicts, None and other objects raise ``TypeError`` naming ``name``.
    """
    if isinstance(value, np.ndarray):
        return value
    if _is_tensor(value):
        return _tensor_to_numpy(value, name)
    if isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except ValueError as err:  # ragged nesting
            raise ValueError(f"{name}: expected a rectangular array, got a ragged sequence ({err})") from None
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name}: expected numbers, got a sequence of {array.dtype}")
        return array
    if isinstance(value, (Number, np.generic)) and not isinstance(value, (str, bytes)):
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


#: Floats this far outside [0, 1] (as interpolation overshoots) are still read as 0-1 values.
_OVERSHOOT = 0.5


def levels(array: np.ndarray, name: str) -> np.ndarray:
    """``array`` as uint8 0-255 levels: the one rule for the channels of images and colors.

    - bool: False and True are 0 and 255.
    - Integers are 0-255 levels; values outside [0, 255] are a ``ValueError``.
    - Floats are 0-1 values (times 255, rounded) when all of them lie in [0, 1], and 0-255
      values (rounded) when some lie above 1 and all in [0, 255]. Floats that overshoot
      [0, 1] by less than 0.5 (interpolation rings a little past the ends, e.g. a maximum
      of 1.02) are 0-1 values clipped to [0, 1], with a ``UserWarning`` saying so.
      NaN, infinity and anything else are a ``ValueError``.

    Strings, objects and complex numbers are a ``TypeError``.
    """
    kind = _real(array, name).dtype.kind
    if kind == "b":
        return array.astype(np.uint8) * np.uint8(255)
    if array.size == 0 or array.dtype == np.uint8:
        return array.astype(np.uint8, copy=False)
    low, high = array.min(), array.max()
    if kind in "iu":
        if low < 0 or high > 255:
            raise ValueError(f"{name}: expected integer levels in [0, 255], got range [{low}, {high}]")
        return array.astype(np.uint8, copy=False)
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)):
        check_finite(array, name)
    if 0.0 <= low and high <= 1.0:
        return np.rint(array * 255.0).astype(np.uint8)
    if -_OVERSHOOT < low and high < 1.0 + _OVERSHOOT:
        warnings.warn(f"{name}: float values in [{low:g}, {high:g}] were read as 0-1 values and clipped to "
                      "[0, 1]; clip them yourself (np.clip(x, 0, 1)) to silence this, or pass 0-255 values",
                      UserWarning, stacklevel=3)
        return np.rint(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)
    if 0.0 <= low and high <= 255.0:
        return np.rint(array).astype(np.uint8)
    raise ValueError(f"{name}: expected float values in [0, 1] or [0, 255], got range [{low:g}, {high:g}]")


def as_image(value: Any, name: str = "image") -> np.ndarray:
    """Return an (H, W, 3) uint8 RGB image; the documented input rule for every public image.

    - uint8 (H, W, 3) is used as it is (not copied here).
    - (H, W) and (H, W, 1) gray is repeated to three channels.
    - (H, W, 4) RGBA is composited over black: ``rgb * alpha / 255``.
    - Values follow :func:`levels`: bool is 0/255, integers are 0-255, floats are 0-1 when
      they all lie in [0, 1] (a little overshoot is clipped, with a warning) and 0-255 up
      to 255; anything else (negative, above 255, NaN) is a ``ValueError``.
    - Zero-area images are a ``ValueError``; a channels-first (C, H, W) array is a
      ``ValueError`` that says how to reorder it.
    """
    array = as_numpy(value, name)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or array.ndim == 3 and array.shape[2] not in (3, 4):
        hint = ""
        if array.ndim == 3 and array.shape[0] in (1, 3, 4):
            hint = (", which looks channels-first (C, H, W); put the channels last: "
                    "tensor.permute(1, 2, 0) or array.transpose(1, 2, 0)")
        raise ValueError(f"{name}: expected shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), "
                         f"got {tuple(array.shape)}{hint}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name}: expected an image with positive height and width, got shape {array.shape}")
    if array.dtype != np.uint8:
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{name}: expected a numeric image, got dtype {array.dtype}")
        array = levels(array, name)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.shape[2] == 4:
        alpha = array[:, :, 3:4].astype(np.uint16)
        array = ((array[:, :, :3].astype(np.uint16) * alpha + 127) // 255).astype(np.uint8)
    return array


def _construct(cls, values, keywords=None):
    return cls(*values, **(keywords or {}))


def reduce_through_init(value: Any) -> tuple:
    """A ``__reduce__`` result that rebuilds an attrs value through its constructor, so
    converters run again and unpickled arrays come back read-only."""
    fields = [f for f in attrs.fields(type(value)) if f.init]
    return (_construct, (type(value), tuple(getattr(value, f.name) for f in fields if not f.kw_only),
                         {f.name: getattr(value, f.name) for f in fields if f.kw_only}))
