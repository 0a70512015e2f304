"""tfe.serve: a model kept up for many predictions (TF Encrypted's
QueueServer and QueueClient), over TCP.

    server = tfe.serve.Server(tfe.onnx.load("model.onnx"), "127.0.0.1:0", max_batch=64)
    client = tfe.serve.Client(f"127.0.0.1:{server.port}")
    scores = client.predict(x)              # the first output
    labels, probabilities = client.predict_outputs(x)

The Server shares the model owner's weights once among three servers in
this process and batches concurrent requests; a Client splits each input
into one random-looking part per server and adds the servers' parts of the
answer, so no server sees the input or the prediction (docs/serving.md).
A Client can live in another process or on another host than the Server.
"""

import ctypes

from . import _capi
from ._batches import BatchPredictor
from ._handle import Handle
from .session import session_options

__all__ = ["Client", "Server"]


class Server(Handle):
    """A running service of `model` (a tfe.keras or tfe.onnx model; the
    service keeps a copy of its weights) on `listen` (host:port; port 0
    picks a free one: see `port`). `max_batch`: the most samples a request
    (and a run) holds; `batch_window_us`: how long to wait for more requests
    before a run; `max_connections`, `max_in_flight`: the service's limits;
    `session`: how its servers talk (transport, connect_timeout_ms,
    recv_timeout_ms). close() stops it."""

    def __init__(self, model, listen="127.0.0.1:0", max_batch=None, batch_window_us=None, max_connections=None,
                 max_in_flight=None, **session):
        options = _capi.tfe_server_options_default()
        for name, value in [("max_batch", max_batch), ("batch_window_us", batch_window_us),
                            ("max_connections", max_connections), ("max_in_flight", max_in_flight)]:
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise TypeError(f"{name}: expected an int, found {value!r}")
                setattr(options, name, value)
        session = session_options(**session)
        out = _capi.HANDLE()
        _capi.tfe_server_start(model._ptr, listen.encode(), ctypes.byref(options), ctypes.byref(session),
                               ctypes.byref(out))
        super().__init__(out.value, _capi.tfe_server_free)

    @property
    def port(self) -> int:
        """The TCP port the service listens on."""
        port = ctypes.c_uint16()
        _capi.tfe_server_port(self._ptr, ctypes.byref(port))
        return port.value


class Client(BatchPredictor):
    """A client of the service at `address` (host:port), with one long-lived
    connection to each of its servers; `timeout_ms` bounds the connection
    and each answer. predict and predict_outputs take 1 to max_batch
    samples; after a tfe.NetworkError or tfe.TimeoutError, reconnect()."""

    _prefix = "tfe_client"

    def __init__(self, address, timeout_ms=30_000):
        out = _capi.HANDLE()
        _capi.tfe_client_connect(address.encode(), int(timeout_ms), ctypes.byref(out))
        super().__init__(out.value, _capi.tfe_client_free)
        self._read_shapes()

    def reconnect(self) -> None:
        """Closes the connections and opens new ones to the same address."""
        with self._lock:
            _capi.tfe_client_reconnect(self._ptr)
            self._read_shapes()
