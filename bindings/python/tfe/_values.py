"""Values crossing into the library: numpy arrays, TensorFlow tensors, lists
and scalars become C-contiguous float64 arrays, checked before any C call.

TensorFlow is never imported here: a TF tensor is recognised by its type's
module, and converted with its own .numpy()."""

import ctypes

import numpy as np

from . import _capi


def is_tf_tensor(value) -> bool:
    module = type(value).__module__ or ""
    return module.startswith(("tensorflow", "tf_keras", "keras")) and hasattr(value, "dtype")


def as_array(value, what: str, shape=None) -> np.ndarray:
    """`value` as a C-contiguous float64 array. TypeError for a value that
    holds no real numbers, ValueError for a shape other than `shape` (when
    given); both name `what`. (Values outside the fixed-point range, NaN and
    infinities included, are the library's to refuse: its message names the
    element.)"""
    if type(value) is np.ndarray and value.dtype == np.float64 and value.flags.c_contiguous:
        if shape is not None and value.shape != tuple(shape):
            raise ValueError(f"{what}: expected shape {tuple(shape)}, found {value.shape}")
        return value  # the common case, without a copy
    if is_tf_tensor(value):
        if not hasattr(value, "numpy"):
            raise TypeError(f"{what}: expected a value, found a symbolic {type(value).__name__}")
        value = value.numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what}: expected an array of real numbers, found {type(value).__name__}") from exc
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{what}: expected real numbers (a float, int or bool dtype), found dtype {array.dtype}"
        )
    array = np.asarray(array, dtype=np.float64, order="C")  # (ascontiguousarray makes 0-d 1-d)
    if shape is not None and array.shape != tuple(shape):
        raise ValueError(f"{what}: expected shape {tuple(shape)}, found {array.shape}")
    return array


def as_shape(shape, what: str) -> tuple:
    """A shape (a sequence of non-negative ints) as a tuple."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"{what}: expected a shape (a sequence of ints), found {shape!r}") from None
    for dim in dims:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 0:
            raise TypeError(f"{what}: expected non-negative ints, found {dim!r} in {shape!r}")
    return tuple(int(dim) for dim in dims)


def sizes(values):
    """(pointer, length) of a size_t array for C."""
    values = tuple(values)
    return (ctypes.c_size_t * len(values))(*values), len(values)


def doubles(array: np.ndarray):
    """(pointer, length) of a float64 array for C; the array must stay alive."""
    return array.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), array.size


def read_shape(getter, handle, *index) -> tuple:
    """A shape read through a tfe_*_shape function."""
    ptr = ctypes.POINTER(ctypes.c_size_t)()
    rank = ctypes.c_size_t()
    getter(handle, *index, ctypes.byref(ptr), ctypes.byref(rank))
    return tuple(ptr[i] for i in range(rank.value))


def read_doubles(ptr, length: int) -> np.ndarray:
    """A copy of the `length` doubles the library owns at `ptr` (a
    POINTER(c_double)): one copy, through a view of the library's buffer."""
    if length == 0:
        return np.zeros(0)
    address = ctypes.c_void_p.from_buffer(ptr).value
    return np.frombuffer((ctypes.c_double * length).from_address(address), np.float64).copy()


def text(ptr) -> str:
    return ptr.decode("utf-8", "replace") if ptr is not None else None


def out_handle():
    return _capi.HANDLE()
