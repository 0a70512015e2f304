"""Deployments: one process (or thread) per player, as TF Encrypted's
RemoteConfig. A hostmap names every player's address; each player opens its
Party with the same graph and runs it with the same fetches.

    config = tfe.RemoteConfig({"server0": "10.0.0.1:4440", ...})
    config.generate_certificates("certs")            # once, then copy as docs/deployment.md says
    with config.party(ctx, "server0", key="certs/server0.key") as party:
        party.run([result])
"""

import ctypes
import json
import pathlib
import shutil
import tempfile
import threading
import weakref

from . import _capi
from . import errors as _errors
from ._handle import Handle
from ._sigint import Run
from .session import refuse_close_in_provider, run_handle


class RemoteConfig:
    """A hostmap: `hostmap` maps each player's name to "host:port" (or is the
    path of a hostmap JSON file). The hostmap file the library reads is
    `path` (a temporary file when None)."""

    def __init__(self, hostmap, path=None, connect_timeout_ms=None, recv_timeout_ms=None):
        if isinstance(hostmap, (str, pathlib.Path)):
            self.path = pathlib.Path(hostmap)
            self._read()
            return
        if not isinstance(hostmap, dict) or not hostmap:
            raise TypeError(f"hostmap: expected a dict of player name to 'host:port', found {hostmap!r}")
        players = []
        for name, address in hostmap.items():
            if not isinstance(address, str) or ":" not in address:
                raise ValueError(f"hostmap: expected 'host:port' for {name!r}, found {address!r}")
            players.append({"name": str(name), "address": address})
        document = {"players": players}
        if connect_timeout_ms is not None:
            document["connect_timeout_ms"] = int(connect_timeout_ms)
        if recv_timeout_ms is not None:
            document["recv_timeout_ms"] = int(recv_timeout_ms)
        if path is None:
            folder = tempfile.mkdtemp(prefix="tfe-hostmap-")
            weakref.finalize(self, shutil.rmtree, folder, True)
            path = pathlib.Path(folder) / "hostmap.json"
        self.path = pathlib.Path(path)
        self.path.write_text(json.dumps(document, indent=2) + "\n")
        self._read()

    @classmethod
    def load(cls, path) -> "RemoteConfig":
        """The hostmap in the JSON file at `path` (as `tfe party --config` reads)."""
        return cls(pathlib.Path(path))

    def _read(self):
        self.document = json.loads(self.path.read_text())
        self.hostmap = {p["name"]: p["address"] for p in self.document.get("players", [])}

    def generate_certificates(self, folder) -> None:
        """A TLS certificate and key per player in `folder`; the hostmap file
        gains each certificate's path (tfe_hostmap_generate_certificates)."""
        _capi.tfe_hostmap_generate_certificates(str(self.path).encode(), str(folder).encode())
        self._read()

    def party(self, context, me, key=None, insecure_plaintext=False, cancel=None) -> "Party":
        """Player `me`'s party: TLS with the private key file `key`, or plain
        TCP with insecure_plaintext=True (tests and isolated networks only).
        Waits until every player of the graph is connected, or until
        `cancel()` returns true (asked on this thread about every 20 ms while
        waiting): then tfe.AbortedError names the players it waited for.
        Ctrl-C on the main thread stops the wait too (KeyboardInterrupt)."""
        return Party(context, self, me, key, insecure_plaintext, cancel)


class Party(Handle):
    """One player of a deployment (tfe_party_t): run() as every other player does."""

    def __init__(self, context, config, me, key=None, insecure_plaintext=False, cancel=None):
        if insecure_plaintext and key is not None:
            raise ValueError("key: a plaintext party takes no key")
        if not insecure_plaintext and key is None:
            raise ValueError(f"key: expected the path of {me}'s TLS key (or insecure_plaintext=True)")
        out = _capi.HANDLE()
        stop = threading.Event()  # set by Ctrl-C (_sigint.Run)
        thrown = []

        def cancelled(_user_data):
            try:
                return int(stop.is_set() or (cancel is not None and bool(cancel())))
            except BaseException as exc:  # noqa: BLE001 (a callback must not unwind into C)
                thrown.append(exc)
                return 1

        check = _capi.CANCEL_FN(cancelled)
        hostmap = str(config.path).encode()
        try:
            with Run(stop.set):
                if insecure_plaintext:
                    _capi.tfe_party_open_insecure_plaintext_cancellable(
                        context._ptr, hostmap, me.encode(), check, None, ctypes.byref(out)
                    )
                else:
                    _capi.tfe_party_open_cancellable(
                        context._ptr, hostmap, me.encode(), str(key).encode(), check, None, ctypes.byref(out)
                    )
        except _errors.AbortedError as aborted:
            if thrown:
                raise thrown[0] from aborted
            raise
        # The party holds the graph as it was when the call began. An input
        # defined just before then may not have its callback listed yet:
        # define_private_input holds the context's lock from its C call until
        # it has listed it, so taking the lock now waits for that.
        with context._lock:
            keep = tuple(context._callbacks)
        super().__init__(out.value, _capi.tfe_party_free, keep)
        self.context = context
        self.me = me
        self.last_stats = None

    def run(self, fetches, feeds=None):
        """Runs the graph for `fetches` at this player: the values revealed to
        it (None for the others' and for assignments). From an input provider
        of this party's own run it raises tfe.InvalidArgumentError."""
        single = not isinstance(fetches, (list, tuple))
        with self._lock:
            values, stats = run_handle(_capi.tfe_party_run, _capi.tfe_party_interrupt, self._ptr,
                                       [fetches] if single else fetches, feeds, self.context)
        self.last_stats = stats
        return values[0] if single else values

    def interrupt(self) -> None:
        """Interrupts this player's run in progress on another thread: every
        player fails it with tfe.AbortedError naming this one
        (tfe_party_interrupt); does nothing between runs. It does not wait
        for the run, nor for a close() waiting for it."""
        self._interrupt(_capi.tfe_party_interrupt)

    def close(self) -> None:
        """Closes the party's connections and frees it (see Handle.close); from
        an input provider of its context during a run it raises
        tfe.InvalidArgumentError instead."""
        refuse_close_in_provider(self, getattr(self, "context", None))
        super().close()
