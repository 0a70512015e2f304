"""Every status maps to its exception class, with the library's message."""

import ctypes

import pytest

import tfe
from tfe import _capi, errors

STATUSES = {
    1: tfe.InvalidArgumentError, 2: tfe.ConfigError, 3: tfe.NetworkError, 4: tfe.TimeoutError,
    5: tfe.ProtocolError, 6: tfe.AbortedError, 7: tfe.InternalError, 8: tfe.PanicError,
    9: tfe.NullPointerError, 10: tfe.OutOfRangeError,
}


@pytest.mark.parametrize("status,cls", sorted(STATUSES.items()))
def test_every_status_raises_its_class(status, cls):
    name = _capi.tfe_status_name(status).decode()
    with pytest.raises(cls) as info:
        _capi.tfe_selftest_fail(status)
    error = info.value
    assert isinstance(error, tfe.Error)
    assert error.status == status and error.status_name == name
    assert name in error.message and str(error) == error.message
    if status == _capi.TFE_ERR_PANIC:
        assert "panic" in error.message


def test_every_status_of_the_header_has_a_class():
    header_statuses = {v for k, v in vars(_capi).items() if k.startswith("TFE_ERR_")}
    assert header_statuses == set(errors.ERRORS) == set(STATUSES)


def test_ok_raises_nothing_and_clears_the_last_error():
    assert _capi.tfe_selftest_fail(0) == 0
    assert _capi.tfe_last_error_message() == b""
    assert _capi.tfe_last_error_status() == 0


def test_python_base_classes():
    assert issubclass(tfe.InvalidArgumentError, ValueError)
    assert issubclass(tfe.TimeoutError, TimeoutError)
    assert issubclass(tfe.OutOfRangeError, ArithmeticError)
    assert issubclass(tfe.ClosedError, ValueError)


def test_unknown_status_is_a_plain_error():
    error = errors.from_status(99, "odd")
    assert type(error) is tfe.Error and error.status == 99 and "odd" in str(error)


def test_selftest_rejects_a_value_that_is_no_status():
    with pytest.raises(tfe.InvalidArgumentError, match="tfe_selftest_fail"):
        _capi.tfe_selftest_fail(1000)


def test_null_pointer_names_the_parameter():
    with pytest.raises(tfe.NullPointerError, match="out"):
        _capi.tfe_context_new(None, None)


def test_a_stale_handle_is_invalid_argument_not_a_crash():
    out = _capi.HANDLE()
    _capi.tfe_context_new(None, ctypes.byref(out))
    _capi.tfe_context_free(out.value)
    count = ctypes.c_size_t()
    with pytest.raises(tfe.InvalidArgumentError):
        _capi.tfe_context_tensor_count(out.value, ctypes.byref(count))
