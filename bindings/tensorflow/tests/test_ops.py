"""tf.test tests of the TfeRun op (through tfe.tensorflow.Computation): eager,
tf.function, TF1 graph mode and tf.data; variables kept by the resource;
errors as TensorFlow errors carrying tfe's message; gradients refused."""

import json
import os
import socket
import tempfile
import threading

import numpy as np
import tensorflow as tf

import tfe
import tfe.tensorflow as tft


def seed_computation(**kwargs):
    """TF Encrypted's seed program: x (5x10, input-provider) times w (10x10,
    server0); x and w are fed by each call."""
    ctx = tfe.Context()
    x = ctx.define_private_input("input-provider", shape=(5, 10), name="x")
    w = ctx.define_private_variable(shape=(10, 10), owner="server0", name="w")
    return tft.Computation(ctx, outputs=[tfe.matmul(x, w)], inputs=[x, w], **kwargs)


class EagerTest(tf.test.TestCase):
    def test_runs_the_seed_program(self):
        with seed_computation() as run:
            y = run(tf.ones((5, 10)), tf.ones((10, 10)))
            self.assertEqual(y.dtype, tf.float32)
            self.assertAllClose(y, np.full((5, 10), 10.0), atol=1e-3)

    def test_float64_in_and_out(self):
        with seed_computation(dtype=tf.float64) as run:
            y = run(np.full((5, 10), 0.5), np.eye(10))
            self.assertEqual(y.dtype, tf.float64)
            self.assertAllClose(y, np.full((5, 10), 0.5), atol=1e-3)

    def test_variables_live_across_calls_until_close(self):
        run = seed_computation()
        self.assertAllClose(run(tf.ones((5, 10)), tf.ones((10, 10))), np.full((5, 10), 10.0), atol=1e-3)
        # The shares of w were made at the first call: a new value is not read.
        self.assertAllClose(run(tf.ones((5, 10)), 2 * tf.ones((10, 10))), np.full((5, 10), 10.0), atol=1e-3)
        run.close()
        self.assertAllClose(run(tf.ones((5, 10)), 2 * tf.ones((10, 10))), np.full((5, 10), 20.0), atol=1e-3)
        run.close()
        run.close()  # safe twice

    def test_wrong_input_shape_is_invalid_argument(self):
        with seed_computation() as run:
            with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                        r'inputs\[0\] feeds "x" of shape \[5, 10\], but has shape \[4,10\]'):
                run(tf.ones((4, 10)), tf.ones((10, 10)))

    def test_wrong_dtype_is_refused_before_the_op(self):
        with seed_computation() as run:
            with self.assertRaisesRegex(TypeError, "value of 'x': expected float32 or float64, found int32"):
                run(tf.ones((5, 10), tf.int32), tf.ones((10, 10)))

    def test_tfe_errors_carry_status_and_message(self):
        with seed_computation() as run:
            with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                        "TFE_ERR_INVALID_ARGUMENT: .*invalid input 'x'.*outside the fixed-point"):
                run(tf.fill((5, 10), 1e9), tf.ones((10, 10)))
            # The computation stays usable after a failed run.
            self.assertAllClose(run(tf.ones((5, 10)), tf.ones((10, 10))), np.full((5, 10), 10.0), atol=1e-3)

    def test_bad_graph_is_invalid_argument(self):
        ops = tft.load()
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "is not a tfe graph"):
            ops.tfe_run(inputs=[], Tout=[tf.float32], graph=b"not a graph", fetches=[0])

    def test_fetch_of_a_private_tensor_is_refused(self):
        ctx = tfe.Context()
        x = ctx.define_private_input("input-provider", shape=(2,), name="x")
        run = tft.Computation(ctx, outputs=[x], inputs=[x])
        graph = run._attrs["graph"]
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError, "tensor 0 is private"):
            tft.load().tfe_run(inputs=[tf.ones(2)], Tout=[tf.float32], graph=graph, fetches=[0],
                               input_names=["x"])

    def test_gradients_are_refused_with_a_clear_message(self):
        with seed_computation() as run:
            x = tf.Variable(tf.ones((5, 10)))
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(run(x, tf.ones((10, 10))))
            with self.assertRaisesRegex(tft.NoGradientError, "TfeRun has no gradient: it runs a secure multi-party"):
                tape.gradient(y, x)


class FunctionAndGraphTest(tf.test.TestCase):
    def test_tf_function_knows_the_output_shape_when_tracing(self):
        with seed_computation() as run:
            shapes = []

            @tf.function
            def f(x, w):
                y = run(x, w)
                shapes.append(y.shape)
                return y * 2

            self.assertAllClose(f(tf.ones((5, 10)), tf.ones((10, 10))), np.full((5, 10), 20.0), atol=1e-3)
            self.assertAllClose(f(tf.ones((5, 10)), tf.ones((10, 10))), np.full((5, 10), 20.0), atol=1e-3)
            self.assertEqual(shapes, [tf.TensorShape([5, 10])])  # traced once

    def test_tf1_graph_and_session(self):
        run = seed_computation()
        with tf.Graph().as_default():
            x = tf.compat.v1.placeholder(tf.float32, shape=(5, 10))
            w = tf.compat.v1.placeholder(tf.float32, shape=(None, 10))
            y = run(x, w)
            self.assertEqual(y.shape, tf.TensorShape([5, 10]))
            with tf.compat.v1.Session() as sess:
                value = sess.run(y, {x: np.ones((5, 10)), w: np.ones((10, 10))})
        self.assertAllClose(value, np.full((5, 10), 10.0), atol=1e-3)

    def test_wrong_shape_fails_when_the_graph_is_built(self):
        run = seed_computation()
        with tf.Graph().as_default():
            x = tf.compat.v1.placeholder(tf.float32, shape=(4, 10))
            with self.assertRaisesRegex(ValueError, r'inputs\[0\] feeds "x" of shape \[5, 10\], but has shape'):
                run(x, tf.ones((10, 10)))

    def test_tf_data_map(self):
        with seed_computation() as run:
            w = tf.ones((10, 10))
            dataset = tf.data.Dataset.from_tensor_slices(tf.reshape(tf.range(3, dtype=tf.float32), (3, 1, 1)))
            dataset = dataset.map(lambda s: run(tf.broadcast_to(s, (5, 10)), w))
            values = [float(y[0, 0]) for y in dataset]
        self.assertAllClose(values, [0.0, 10.0, 20.0], atol=1e-3)


def free_ports(n):
    """n loopback ports free a moment ago, all bound at once: one bound and
    let go at a time, the system may hand out the same port twice."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class PartyTest(tf.test.TestCase):
    PLAYERS = ["server0", "server1", "server2", "input-provider"]

    def hostmap(self, connect_timeout_ms=20000, recv_timeout_ms=20000):
        ports = free_ports(len(self.PLAYERS))
        path = os.path.join(self.get_temp_dir(), f"hostmap-{ports[0]}.json")
        players = [{"name": p, "address": f"127.0.0.1:{port}"} for p, port in zip(self.PLAYERS, ports)]
        with open(path, "w") as file:
            json.dump({"players": players, "connect_timeout_ms": connect_timeout_ms,
                       "recv_timeout_ms": recv_timeout_ms}, file)
        return path

    def test_a_silent_player_is_deadline_exceeded_naming_it(self):
        # The input provider connects but never runs: the servers wait for its
        # shares, then give up (a server told by another may see Aborted).
        hostmap = self.hostmap(recv_timeout_ms=1000)
        outcomes = {}
        servers_done = threading.Event()

        def graph():
            ctx = tfe.Context()
            x = ctx.define_private_input("input-provider", shape=(2,), name="x")
            return ctx, x

        def server(player):
            ctx, x = graph()
            run = tft.Computation(ctx, outputs=[x + x], player=player, hostmap=hostmap, insecure_plaintext=True)
            try:
                run()
            except tf.errors.OpError as exc:
                outcomes[player] = exc
            finally:
                run.close()

        def silent():
            ctx, x = graph()
            (x + x).reveal()  # the same graph as the servers' Computation
            with tfe.remote.RemoteConfig.load(hostmap).party(ctx, "input-provider", insecure_plaintext=True):
                servers_done.wait(60)

        threads = [threading.Thread(target=server, args=(p,)) for p in self.PLAYERS[:3]]
        waiting = threading.Thread(target=silent)
        for t in threads + [waiting]:
            t.start()
        for t in threads:
            t.join()
        servers_done.set()
        waiting.join()
        kinds = {player: type(exc) for player, exc in outcomes.items()}
        self.assertEqual(len(outcomes), 3, kinds)
        timed_out = [p for p, exc in outcomes.items() if isinstance(exc, tf.errors.DeadlineExceededError)]
        self.assertTrue(timed_out, kinds)
        for player in timed_out:
            self.assertRegex(outcomes[player].message, "tfe: TFE_ERR_TIMEOUT: .*input-provider")
        for player, exc in outcomes.items():
            self.assertIsInstance(exc, (tf.errors.DeadlineExceededError, tf.errors.AbortedError), player)

    def test_four_players_in_threads(self):
        hostmap = self.hostmap()
        outcomes = {}

        def play(player):
            ctx = tfe.Context()
            x = ctx.define_private_input("input-provider", shape=(5, 10), name="x")
            w = ctx.define_private_variable(shape=(10, 10), owner="server0", name="w")
            feeds = {"input-provider": [x], "server0": [w]}.get(player, [])
            run = tft.Computation(ctx, outputs=[tfe.matmul(x, w)], inputs=feeds, player=player,
                                  hostmap=hostmap, insecure_plaintext=True)
            values = {"input-provider": [tf.ones((5, 10))], "server0": [tf.ones((10, 10))]}.get(player, [])
            try:
                outcomes[player] = run(*values).numpy()
            except Exception as exc:  # reported below, per player
                outcomes[player] = exc
            finally:
                run.close()

        threads = [threading.Thread(target=play, args=(p,)) for p in self.PLAYERS]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for player in self.PLAYERS[:3]:
            self.assertIsInstance(outcomes[player], np.ndarray, f"{player}: {outcomes[player]}")
            self.assertAllClose(outcomes[player], np.full((5, 10), 10.0), atol=1e-3)
        # Revealed to the servers only: the input provider's output is empty.
        self.assertEqual(outcomes["input-provider"].shape, (0,))

    def test_unreachable_peers_are_a_tensorflow_error_naming_them(self):
        ctx = tfe.Context()
        x = ctx.define_private_input("input-provider", shape=(2,), name="x")
        run = tft.Computation(ctx, outputs=[x + x], inputs=[], player="server0",
                              hostmap=self.hostmap(connect_timeout_ms=300), insecure_plaintext=True)
        with self.assertRaisesRegex(tf.errors.UnavailableError,
                                    "tfe: TFE_ERR_NETWORK: .*did not connect before the connect timeout "
                                    r"\(missing: server1, server2, input-provider\)"):
            run()

    def test_feeding_an_input_of_another_player_is_refused(self):
        ctx = tfe.Context()
        x = ctx.define_private_input("input-provider", shape=(2,), name="x")
        run = tft.Computation(ctx, outputs=[x + x], inputs=[x], player="server0", hostmap=self.hostmap(),
                              insecure_plaintext=True)
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError, '"x" belongs to input-provider'):
            run(tf.ones(2))


class LibraryTest(tf.test.TestCase):
    """The op library's record: a library built for another TensorFlow, or
    whose libtfe is missing, is refused with what to do."""

    def copy_of_the_library(self, **changes):
        from tfe.tensorflow import _library

        tft.load()
        source = _library.default_directory()
        directory = tempfile.mkdtemp(dir=self.get_temp_dir())
        record = json.loads((source / _library.RECORD_NAME).read_text())
        record.update(changes)
        with open(os.path.join(directory, _library.RECORD_NAME), "w") as file:
            json.dump(record, file)
        with open(source / _library.LIBRARY_NAME, "rb") as src, \
                open(os.path.join(directory, _library.LIBRARY_NAME), "wb") as dst:
            dst.write(src.read())
        return directory, record

    def test_a_library_built_for_another_tensorflow_is_explained(self):
        directory, _ = self.copy_of_the_library(tensorflow_version="2.0.0")
        with self.assertRaises(tft.LibraryError) as caught:
            tft.load(directory)
        message = str(caught.exception)
        self.assertIn("was built for TensorFlow 2.0.0", message)
        self.assertIn(f"but TensorFlow {tf.__version__} is installed", message)
        self.assertIn("-m tfe.tensorflow build", message)

    def test_a_missing_libtfe_is_named_with_where_it_was_looked_for(self):
        directory, record = self.copy_of_the_library()
        os.symlink("/nonexistent/_libtfe.so", os.path.join(directory, "libtfe.so.0"))
        with self.assertRaises(tft.LibraryError) as caught:
            tft.load(directory, build_if_needed=False)
        message = str(caught.exception)
        self.assertIn(f"{directory}/libtfe.so.0, which points to /nonexistent/_libtfe.so (missing)", message)
        self.assertIn(f"installs libtfe at {record['libtfe']}", message)

    def test_building_without_libtfe_names_the_path(self):
        with self.assertRaisesRegex(tft.LibraryError, "no libtfe at /nonexistent/libtfe.so"):
            tft.build(self.get_temp_dir(), libtfe="/nonexistent/libtfe.so")


if __name__ == "__main__":
    tf.test.main()
