"""The low-level module mirrors include/tfe.h and tests/abi/symbols.txt."""

import ctypes
import re
import subprocess
import sys

from tfe import _capi
from conftest import REPO

HEADER = (REPO / "include" / "tfe.h").read_text()


def test_every_exported_symbol_is_declared():
    symbols = (REPO / "tests" / "abi" / "symbols.txt").read_text().split()
    missing = [name for name in symbols if name not in _capi.FUNCTIONS]
    assert not missing, f"tfe/_capi.py lacks {missing}: run tools/gen_capi.py"
    for name in symbols:
        fn = getattr(_capi, name)
        assert fn.argtypes is not None or not _capi.FUNCTIONS[name][1], name
        assert fn.restype is _capi.FUNCTIONS[name][0], name


def test_declarations_match_the_header():
    # The generated section is what tools/gen_capi.py makes of the header now.
    check = subprocess.run([sys.executable, str(REPO / "bindings/python/tools/gen_capi.py"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_parameter_counts_match_the_prototypes():
    body = re.sub(r"/\*.*?\*/", "", HEADER.split('extern "C" {', 1)[1], flags=re.S)
    prototypes = dict(re.findall(r"\b(tfe_\w+)\(([^)]*)\);", body, re.S))
    assert set(prototypes) == set(_capi.FUNCTIONS)
    for name, params in prototypes.items():
        count = 0 if params.strip() == "void" else params.count(",") + 1
        assert len(_capi.FUNCTIONS[name][1]) == count, name


def test_structs_have_the_header_fields():
    assert [f for f, _ in _capi.Config._fields_] == ["frac_bits", "int_bits", "comparison"]
    assert ctypes.sizeof(_capi.SessionOptions) == 24
    assert ctypes.sizeof(_capi.PlayerStats) == 8 + 5 * 8
    assert ctypes.sizeof(_capi.OpStats) == 8 + 6 * 8


def test_version_and_defaults():
    assert _capi.VERSION.split(".")[:2] == [str(_capi.TFE_VERSION_MAJOR), str(_capi.TFE_VERSION_MINOR)]
    config = _capi.tfe_config_default()
    assert (config.frac_bits, config.int_bits, config.comparison) == (16, 20, 0)
    options = _capi.tfe_session_options_default()
    assert options.transport == _capi.TFE_TRANSPORT_TCP and options.recv_timeout_ms > 0
    assert _capi.tfe_status_name(_capi.TFE_ERR_TIMEOUT) == b"TFE_ERR_TIMEOUT"
    assert _capi.tfe_status_name(999) == b"TFE_UNKNOWN_STATUS"


def test_library_is_the_one_installed_in_the_package_or_named():
    import os

    named = os.environ.get("TFE_LIBRARY")
    if named:
        assert str(_capi.LIBRARY_PATH) == named
    else:
        assert _capi.LIBRARY_PATH.parent == REPO.__class__(_capi.__file__).parent
        assert _capi.LIBRARY_PATH.name.startswith("_libtfe")


def test_the_op_library_ships_every_header_of_the_c_and_cpp_api():
    """tfe/tensorflow/cc/include links every header the op library's sources
    may include (tfe.hpp includes the others), so the installed package
    compiles without the repository."""
    shipped = REPO / "bindings" / "python" / "tfe" / "tensorflow" / "cc" / "include"
    headers = {p.name for p in (REPO / "bindings" / "cpp" / "include").glob("*.hpp")} | {"tfe.h"}
    missing = sorted(h for h in headers if not (shipped / h).is_file())
    assert not missing, f"link them into {shipped}: {missing}"
