"""Building and loading the TensorFlow op library of tfe.

The library (TfeRun, TfeRelease) is C++ compiled against the TensorFlow of
this environment with its own flags (tf.sysconfig), so it is built here, not
by pip (pip builds in an isolated environment without TensorFlow): at first
use, or by `python -m tfe.tensorflow build`. It goes into a per-user cache
directory, one per Python environment:

    $TFE_TF_OPS_DIR, else $XDG_CACHE_HOME/tfe/tensorflow/<environment>/
    (~/.cache/... without XDG_CACHE_HOME), holding
        tfe_ops.so     the op library (no TensorFlow version in its name)
        build.json     what it was built for: TensorFlow's version and flags,
                       the libtfe it links, the sources' digest
        libtfe.so.0    a link to the package's libtfe (found through the
                       library's rpath $ORIGIN, so no LD_LIBRARY_PATH)

A library built for another TensorFlow is refused with what it was built
for, what is installed and the command that rebuilds it; a missing libtfe
is named with where it was looked for. A library built from other sources or
for another libtfe (the tfe package was reinstalled) is rebuilt.
"""

import hashlib
import json
import os
import pathlib
import shlex
import subprocess
import sys
import tempfile
import threading

from ..errors import Error

LIBRARY_NAME = "tfe_ops.so"
RECORD_NAME = "build.json"
LIBTFE_LINK = "libtfe.so.0"  # libtfe's SONAME: what the op library asks the loader for
REBUILD_COMMAND = f"{pathlib.Path(sys.executable).name} -m tfe.tensorflow build"
SOURCES = pathlib.Path(__file__).resolve().parent / "cc"

_lock = threading.Lock()
_loaded = {}


class LibraryError(Error):
    """The op library cannot be built or loaded; the message says why and
    what to do."""


def default_directory() -> pathlib.Path:
    """The cache directory of this Python environment's op library."""
    override = os.environ.get("TFE_TF_OPS_DIR")
    if override:
        return pathlib.Path(override)
    cache = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    environment = hashlib.sha256(os.path.realpath(sys.prefix).encode()).hexdigest()[:16]
    return cache / "tfe" / "tensorflow" / environment


def _tensorflow():
    try:
        import tensorflow as tf
    except ImportError as exc:
        raise LibraryError(f"tfe.tensorflow needs TensorFlow, which cannot be imported: {exc}") from exc
    return tf


def _libtfe() -> pathlib.Path:
    from .. import _capi

    return pathlib.Path(_capi.LIBRARY_PATH).resolve()


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(SOURCES.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(SOURCES)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _target() -> dict:
    """What a library built now would be built for."""
    tf = _tensorflow()
    return {
        "tensorflow_version": tf.__version__,
        "tensorflow_git_version": getattr(tf, "__git_version__", ""),
        "compile_flags": list(tf.sysconfig.get_compile_flags()),
        "link_flags": list(tf.sysconfig.get_link_flags()),
        "libtfe": str(_libtfe()),
        "sources_sha256": _sources_digest(),
    }


def _read_record(directory: pathlib.Path):
    try:
        return json.loads((directory / RECORD_NAME).read_text())
    except (OSError, ValueError):
        return None


def build(directory=None, libtfe=None, verbose=False) -> pathlib.Path:
    """Compiles the op library against the installed TensorFlow into
    `directory` (default_directory()), linking `libtfe` (default: the tfe
    package's); returns the library's path. Raises LibraryError (no
    compiler, a compiler error, no libtfe) with the reason."""
    directory = pathlib.Path(directory) if directory else default_directory()
    target = _target()
    libtfe = pathlib.Path(libtfe).resolve() if libtfe else pathlib.Path(target["libtfe"])
    target["libtfe"] = str(libtfe)
    if not libtfe.is_file():
        raise LibraryError(
            f"tfe.tensorflow: no libtfe at {libtfe}: the op library links the libtfe that "
            "`pip install ./bindings/python` installs inside the tfe package (tfe/_libtfe*.so, "
            "or the file TFE_LIBRARY names); reinstall the package"
        )
    directory.mkdir(parents=True, exist_ok=True)
    compiler = os.environ.get("CXX", "c++")
    # TensorFlow's headers as system headers: their warnings are not ours.
    compile_flags = ["-isystem" + f[2:] if f.startswith("-I") else f for f in target["compile_flags"]]
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        scratch = pathlib.Path(scratch)
        (scratch / LIBTFE_LINK).symlink_to(libtfe)
        output = scratch / LIBRARY_NAME
        command = (
            [compiler, "-shared", "-fPIC", "-O2", "-Wall", "-Wextra"]
            + compile_flags
            + ["-I" + str(SOURCES), "-I" + str(SOURCES / "include")]
            + [str(SOURCES / name) for name in ("graph.cc", "ops.cc", "kernels.cc")]
            + ["-o", str(output)]
            + target["link_flags"]
            + ["-L" + str(scratch), "-l:" + LIBTFE_LINK, "-Wl,-rpath,$ORIGIN"]
        )
        if verbose:
            print(" ".join(shlex.quote(c) for c in command), file=sys.stderr)
        try:
            done = subprocess.run(command, capture_output=True, text=True)
        except OSError as exc:
            raise LibraryError(
                f"tfe.tensorflow: cannot run the C++ compiler {compiler!r} ({exc}); install one "
                "(g++ or clang++) or name it in CXX"
            ) from exc
        if done.returncode != 0:
            raise LibraryError(
                f"tfe.tensorflow: compiling the op library failed (TensorFlow {target['tensorflow_version']}, "
                f"{compiler}):\n{done.stderr[-4000:]}"
            )
        # Replace the three files together: a reader sees the old or the new
        # record next to a library of the same build (rename is atomic).
        (scratch / RECORD_NAME).write_text(json.dumps(target, indent=2) + "\n")
        for name in (LIBTFE_LINK, LIBRARY_NAME, RECORD_NAME):
            os.replace(scratch / name, directory / name)
    return directory / LIBRARY_NAME


def _mismatch(record, target):
    """Why a library built for `record` cannot load in this TensorFlow, or None."""
    for key, what in (
        ("tensorflow_version", "TensorFlow"),
        ("tensorflow_git_version", "TensorFlow build"),
        ("compile_flags", "TensorFlow compile flags"),
        ("link_flags", "TensorFlow link flags"),
    ):
        if record.get(key) != target[key]:
            return what, record.get(key), target[key]
    return None


def load(directory=None, build_if_needed=True):
    """The loaded op library (tf.load_op_library's module), built first when
    there is none (or it is stale: other sources, another libtfe). Raises
    LibraryError for a library built for another TensorFlow, a missing
    libtfe, or one that does not load."""
    directory = pathlib.Path(directory) if directory else default_directory()
    with _lock:
        if directory in _loaded:
            return _loaded[directory]
        path = directory / LIBRARY_NAME
        target = _target()
        record = _read_record(directory)
        if path.is_file() and record is None:
            raise LibraryError(
                f"tfe.tensorflow: {path} has no {RECORD_NAME} saying which TensorFlow it was built "
                f"for; rebuild it with: {REBUILD_COMMAND}"
            )
        if record is not None:
            mismatch = _mismatch(record, target)
            if mismatch:
                what, built, installed = mismatch
                raise LibraryError(
                    f"tfe.tensorflow: the op library {path} was built for {what} {built}, but "
                    f"{what} {installed} is installed; rebuild it with: {REBUILD_COMMAND}"
                    + (f" (with TFE_TF_OPS_DIR={directory})" if os.environ.get("TFE_TF_OPS_DIR") else "")
                )
        stale = record is None or (
            record.get("sources_sha256") != target["sources_sha256"] or record.get("libtfe") != target["libtfe"]
        )
        if stale:
            if not build_if_needed:
                raise LibraryError(f"tfe.tensorflow: no up-to-date op library in {directory}; build it with: "
                                   f"{REBUILD_COMMAND}")
            print(
                f"tfe.tensorflow: building the op library for TensorFlow {target['tensorflow_version']} "
                f"into {directory} (once; about a minute)",
                file=sys.stderr,
            )
            build(directory)
            record = _read_record(directory)
        link = directory / LIBTFE_LINK
        if not link.exists():
            raise LibraryError(
                f"tfe.tensorflow: the op library {path} links libtfe through {link}, which points to "
                f"{os.readlink(link) if link.is_symlink() else 'nothing'} (missing); the tfe package "
                f"installs libtfe at {target['libtfe']}; rebuild with: {REBUILD_COMMAND}"
            )
        tf = _tensorflow()
        try:
            module = tf.load_op_library(str(path))
        except Exception as exc:  # TensorFlow's NotFoundError for an unresolved symbol, ...
            raise LibraryError(
                f"tfe.tensorflow: the op library {path}, built for TensorFlow "
                f"{record.get('tensorflow_version') if record else '(unknown)'}, does not load in "
                f"TensorFlow {target['tensorflow_version']}: {exc}; rebuild it with: {REBUILD_COMMAND}"
            ) from exc
        _loaded[directory] = module
        return module
