"""Ctrl-C during a run on the main thread (tfe/_sigint.py): a child process
sends SIGINT to itself while a session run, a party run, a fit, an
evaluation, a prediction or the opening of a party waits in the library, which the run could not
finish on its own before (an input provider or a progress callback waits
for the interrupt, a deployment's other players never run, or the call has
many runs to go). The run stops, a KeyboardInterrupt is raised in
the main thread, and a session or a model stays usable."""

import subprocess
import sys

import pytest

# A child's common part: Python's default SIGINT handler (a child started in
# the background by a shell without job control inherits SIGINT ignored, and
# Python then keeps it so), a spy on the watcher's call that records that it
# interrupted a run (an input provider or callback waiting for that cannot
# let a run end on its own), a thread that sends SIGINT once a run is armed,
# and the outcome: the KeyboardInterrupt and the error the run itself ended
# with (its __context__: tfe.AbortedError when the interrupt stopped it).
PRELUDE = """
import os, signal, threading, time
signal.signal(signal.SIGINT, signal.default_int_handler)
import tfe
from tfe import _sigint

interrupted = threading.Event()
_interrupt_runs = _sigint._interrupt_runs

def spy():
    found = bool(_sigint._runs)
    _interrupt_runs()
    if found:
        interrupted.set()

_sigint._interrupt_runs = spy

def ctrl_c_once_running():
    while not _sigint._runs:
        time.sleep(0.005)
    os.kill(os.getpid(), signal.SIGINT)

def outcome(run):
    threading.Thread(target=ctrl_c_once_running, daemon=True).start()
    try:
        run()
        print("completed")
    except KeyboardInterrupt as error:
        print("KeyboardInterrupt after", type(error.__context__).__name__)
    print("interrupted" if interrupted.is_set() else "not interrupted")
"""

SESSION = """
def provide():
    interrupted.wait(30)  # the run cannot end before the interrupt
    return [1.0, 2.0]

ctx = tfe.Context(transport="memory")
y = ctx.define_private_input("alice", provide, shape=(2,)).reveal()
session = ctx.session()
outcome(lambda: session.run(y))
print(session.run(y).tolist())
"""

HOSTMAP = """
import socket
players = ["server0", "server1", "server2", "alice"]
sockets = [socket.socket() for _ in players]
for s in sockets:
    s.bind(("127.0.0.1", 0))
config = tfe.RemoteConfig({n: f"127.0.0.1:{s.getsockname()[1]}" for n, s in zip(players, sockets)},
                          connect_timeout_ms=30000, recv_timeout_ms=120000)
for s in sockets:
    s.close()

def graph():
    ctx = tfe.Context()
    x = ctx.define_private_input("alice", lambda: [1.0, 2.0], shape=(2,))
    return ctx, (x * 2.0).reveal("alice")
"""

PARTY = HOSTMAP + """
done = threading.Event()

def idle(name):  # connects, never runs: server0 waits for alice's shares
    ctx, _ = graph()
    with config.party(ctx, name, insecure_plaintext=True):
        done.wait(60)

threads = [threading.Thread(target=idle, args=(n,)) for n in players[1:]]
for t in threads:
    t.start()
ctx, fetch = graph()
party = config.party(ctx, "server0", insecure_plaintext=True)
outcome(lambda: party.run(fetch))
done.set()
party.close()
for t in threads:
    t.join()
"""

# No other player ever comes: opening waits until the connect timeout.
PARTY_OPEN = HOSTMAP + """
ctx, _ = graph()
outcome(lambda: config.party(ctx, "server0", insecure_plaintext=True))
"""

FIT = """
import numpy as np
x = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
y = np.array([1.0, 0.0, 1.0, 0.0])
model = tfe.keras.Sequential([tfe.keras.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
model.compile(tfe.keras.optimizers.SGD(learning_rate=0.1), "binary_crossentropy",
              insecure_test_seed=1, transport="memory")

class WaitAtTheFirstBatch:
    def __init__(self):
        self.batches = 0

    def set_model(self, model):
        pass

    def on_train_batch_end(self, batch, logs):
        self.batches += 1
        if self.batches == 1:
            interrupted.wait(30)  # the fit cannot end before the interrupt

counter = WaitAtTheFirstBatch()
outcome(lambda: model.fit(x, y, epochs=50, batch_size=4, verbose=0, callbacks=[counter]))
print("stopped early" if counter.batches < 50 else f"ran {counter.batches} batches")
print(len(model.fit(x, y, epochs=2, batch_size=4, verbose=0).history["loss"]))
"""

# Evaluate and predict have no callback to wait in: many runs (one per
# batch of the default size) make the call outlast the SIGINT.
TRAINER_CALL = """
import numpy as np
from tfe.keras import Trainer
x = np.random.default_rng(0).uniform(-1, 1, (400000, 2))
y = (x[:, 0] > x[:, 1]).astype(float)
model = tfe.keras.Sequential([tfe.keras.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
trainer = Trainer(model, insecure_test_seed=1, transport="memory")
trainer.compile("sgd", "binary_crossentropy")
outcome(lambda: trainer.CALL)
print(trainer.predict(x[:4]).shape)
"""


def run_child(body):
    child = subprocess.run([sys.executable, "-c", PRELUDE + body], capture_output=True, text=True, timeout=180)
    assert child.returncode == 0, child.stderr
    return child.stdout.split("\n")


def test_ctrl_c_stops_a_session_run_which_stays_usable():
    assert run_child(SESSION)[:3] == ["KeyboardInterrupt after AbortedError", "interrupted", "[1.0, 2.0]"]


def test_ctrl_c_stops_a_party_run():
    assert run_child(PARTY)[:2] == ["KeyboardInterrupt after AbortedError", "interrupted"]


def test_ctrl_c_stops_opening_a_party():
    # Whether the watcher or the handler (in the library's check on the main
    # thread) got the SIGINT first is a race: the second line is not checked.
    assert run_child(PARTY_OPEN)[0] == "KeyboardInterrupt after AbortedError"


def test_ctrl_c_stops_a_fit_within_its_run_and_the_model_trains_again():
    assert run_child(FIT)[:4] == ["KeyboardInterrupt after AbortedError", "interrupted", "stopped early", "2"]


@pytest.mark.parametrize("call", ["evaluate(x, y)", "predict(x)"])
def test_ctrl_c_stops_a_trainers_evaluate_or_predict_which_stays_usable(call):
    outcome = run_child(TRAINER_CALL.replace("CALL", call))
    assert outcome[:3] == ["KeyboardInterrupt after AbortedError", "interrupted", "(4, 1)"]


@pytest.mark.parametrize("setup", [
    "signal.signal(signal.SIGINT, signal.SIG_IGN)",
    "signal.signal(signal.SIGINT, lambda *_: None)",
    "import socket; a, b = socket.socketpair(); b.setblocking(False); signal.set_wakeup_fd(b.fileno())",
])
def test_a_program_with_its_own_sigint_handling_keeps_it(setup):
    # Ignored, handled by the program, or its own wake-up descriptor (as
    # asyncio's signal handlers): no run is armed, and the descriptor stays.
    body = setup + """
def provide():
    seen.append(len(_sigint._runs))
    return [1.0, 2.0]

seen = []
before = signal.set_wakeup_fd(-1)
signal.set_wakeup_fd(before)
ctx = tfe.Context(transport="memory")
y = ctx.define_private_input("alice", provide, shape=(2,)).reveal()
print(ctx.session().run(y).tolist(), seen, signal.set_wakeup_fd(-1) == before)
"""
    assert run_child(body)[0] == "[1.0, 2.0] [0] True"


def test_a_run_on_the_main_thread_is_armed_and_disarmed():
    body = """
def provide():
    seen.append(len(_sigint._runs))
    return [1.0, 2.0]

seen = []
ctx = tfe.Context(transport="memory")
y = ctx.define_private_input("alice", provide, shape=(2,)).reveal()
print(ctx.session().run(y).tolist(), seen, signal.set_wakeup_fd(-1), _sigint._runs)
"""
    assert run_child(body)[0] == "[1.0, 2.0] [1] -1 {}"


def test_a_forked_child_has_a_watcher_of_its_own():
    # The parent's socket would carry the child's SIGINT to the parent's runs.
    body = """
with _sigint.Run(lambda: None):
    parents = _sigint._writer
pid = os.fork()
if pid == 0:
    with _sigint.Run(lambda: None):
        os._exit(0 if _sigint._writer not in (None, parents) else 1)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), _sigint._writer is parents)
"""
    assert run_child(body)[0] == "0 True"
