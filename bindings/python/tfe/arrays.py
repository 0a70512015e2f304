"""Arrays in .npy and .csv files, read and written by the library
(tfe_array_load, tfe_array_save), as `tfe party --input NAME=FILE` reads them."""

import ctypes

import numpy as np

from . import _capi
from ._values import as_array, doubles, read_doubles, read_shape, sizes


def load_array(path) -> np.ndarray:
    """The float64 array in the .npy or .csv file at `path`."""
    out = _capi.HANDLE()
    _capi.tfe_array_load(str(path).encode(), ctypes.byref(out))
    try:
        data = ctypes.POINTER(ctypes.c_double)()
        length = ctypes.c_size_t()
        _capi.tfe_array_values(out.value, ctypes.byref(data), ctypes.byref(length))
        shape = read_shape(_capi.tfe_array_shape, out.value)
        return read_doubles(data, length.value).reshape(shape)
    finally:
        _capi.tfe_array_free(out.value)


def save_array(path, value) -> None:
    """Writes `value` to the .npy or .csv file at `path`."""
    array = as_array(value, "save_array: value")
    ptr, length = doubles(array)
    shape, rank = sizes(array.shape)
    _capi.tfe_array_save(ptr, length, shape, rank, str(path).encode())
