"""Deployments: every player of a RemoteConfig in its own thread."""

import socket
import threading

import numpy as np
import pytest

import tfe

PLAYERS = ["server0", "server1", "server2", "alice"]


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def deploy(config, build, keys=None, fail_at=None, parties=None):
    """Runs every player's party in a thread; returns {player: value or
    exception}. Each party is in `parties` (if given) from its opening on."""
    outcome = {}

    def player(name):
        ctx = tfe.Context()
        fetch = build(ctx, name, fail_at)
        try:
            key = keys[name] if keys else None
            with config.party(ctx, name, key=key, insecure_plaintext=keys is None) as party:
                if parties is not None:
                    parties[name] = party
                outcome[name] = party.run(fetch)
                outcome[name + ".stats"] = party.last_stats
            party.close()  # closed twice: nothing happens
            try:
                party.run(fetch)
            except tfe.ClosedError as error:
                outcome[name + ".closed"] = error
        except tfe.Error as error:
            outcome[name] = error
        finally:
            ctx.close()

    for t in start_players(player):
        t.join()
    return outcome


def start_players(player):
    """A started thread running player(name) for each of PLAYERS."""
    threads = [threading.Thread(target=player, args=(n,)) for n in PLAYERS]
    for t in threads:
        t.start()
    return threads


def build(ctx, me, fail_at):
    # Every player builds the same graph; only alice's provider is ever called.
    def provide():
        if fail_at == "alice":
            raise RuntimeError("alice's data is missing")
        return np.arange(4.0)

    x = ctx.define_private_input("alice", provide, shape=(4,))
    return (x * 2.0).reveal("alice")


def hostmap(tmp_path):
    ports = free_ports(len(PLAYERS))
    return tfe.RemoteConfig({n: f"127.0.0.1:{p}" for n, p in zip(PLAYERS, ports)},
                            path=tmp_path / "hostmap.json", connect_timeout_ms=20000, recv_timeout_ms=20000)


def test_plaintext_deployment(tmp_path):
    config = hostmap(tmp_path)
    assert tfe.RemoteConfig.load(config.path).hostmap == config.hostmap
    outcome = deploy(config, build)
    assert outcome["alice"].tolist() == [0.0, 2.0, 4.0, 6.0]
    assert outcome["server0"] is None  # revealed to alice only
    assert [p.name for p in outcome["alice.stats"].players] == ["alice"]
    assert all("Party is closed" in str(outcome[n + ".closed"]) for n in PLAYERS)


def test_tls_deployment(tmp_path):
    config = hostmap(tmp_path)
    config.generate_certificates(tmp_path / "certs")
    assert "certificate" in config.document["players"][0]
    keys = {n: tmp_path / "certs" / f"{n}.key" for n in PLAYERS}
    outcome = deploy(config, build, keys=keys)
    assert outcome["alice"].tolist() == [0.0, 2.0, 4.0, 6.0]


def test_a_failing_player_aborts_the_others(tmp_path):
    outcome = deploy(hostmap(tmp_path), build, fail_at="alice")
    assert isinstance(outcome["alice"], tfe.InvalidArgumentError)
    assert "alice's data is missing" in str(outcome["alice"])
    for server in PLAYERS[:3]:
        assert isinstance(outcome[server], tfe.AbortedError) and "alice" in str(outcome[server])


def test_bad_configs(tmp_path):
    with pytest.raises(ValueError, match="host:port"):
        tfe.RemoteConfig({"server0": "nowhere"})
    with pytest.raises(TypeError, match="hostmap"):
        tfe.RemoteConfig([])
    config = hostmap(tmp_path)
    with tfe.Context() as ctx:
        ctx.define_private_input("alice", shape=(1,))
        with pytest.raises(ValueError, match="key"):
            config.party(ctx, "server0")
        with pytest.raises(tfe.ConfigError):
            config.party(ctx, "mallory", insecure_plaintext=True)


def test_a_party_interrupted_from_another_thread_is_named_by_every_player(tmp_path):
    config = hostmap(tmp_path)
    parties, outcome = {}, {}
    started, server0_ran = threading.Event(), threading.Event()
    opened = threading.Barrier(len(PLAYERS))  # every party is in `parties` before any runs

    def provide():
        started.set()
        server0_ran.wait(60)  # holds the run in progress until server0's has ended
        return np.arange(4.0)

    def player(name):
        ctx = tfe.Context()
        fetch = (ctx.define_private_input("alice", provide, shape=(4,)) * 2.0).reveal()  # to the servers: each waits for server0
        try:
            with config.party(ctx, name, insecure_plaintext=True) as party:
                parties[name] = party
                opened.wait(60)
                try:
                    outcome[name] = party.run(fetch)
                finally:
                    if name == "server0":
                        server0_ran.set()
        except tfe.Error as error:
            outcome[name] = error
        finally:
            ctx.close()

    threads = start_players(player)
    assert started.wait(60)
    # An interrupt reaches only a run in progress, and server0's may not
    # have begun yet: interrupt until it has ended (or server0 closed).
    with pytest.raises(tfe.ClosedError):
        while not server0_ran.wait(0.01):
            parties["server0"].interrupt()
        threads[0].join()
        parties["server0"].interrupt()
    for t in threads:
        t.join()
    # alice only provides: her part may be done before server0's abort.
    for name in PLAYERS[:3]:
        assert isinstance(outcome[name], tfe.AbortedError), (name, outcome[name])
        assert "'server0' aborted the run: the run was interrupted by its caller" in str(outcome[name])


@pytest.mark.parametrize("tls", [False, True])
@pytest.mark.parametrize("me, waited_for", [("server0", "server1, server2, alice"), ("server2", "server0")])
def test_opening_gives_up_when_cancelled_naming_whom_it_waited_for(tmp_path, tls, me, waited_for):
    # No other player comes; were cancel() not asked, opening would fail at
    # the 60 s connect timeout with another error. server0 waits for the
    # others to connect, server2 connects to server0 first.
    ports = free_ports(len(PLAYERS))
    config = tfe.RemoteConfig({n: f"127.0.0.1:{p}" for n, p in zip(PLAYERS, ports)},
                              path=tmp_path / "hostmap.json", connect_timeout_ms=60000)
    keys = {}
    if tls:
        config.generate_certificates(tmp_path / "certs")
        keys = {"key": tmp_path / "certs" / f"{me}.key"}
    calls = []

    def fifth():
        calls.append(1)
        return len(calls) == 5

    with tfe.Context() as ctx:
        ctx.define_private_input("alice", shape=(1,))
        with pytest.raises(tfe.AbortedError) as aborted:
            config.party(ctx, me, insecure_plaintext=not tls, cancel=fifth, **keys)
        assert f"player '{me}' aborted the run: opening was cancelled by its caller while waiting for {waited_for}" \
            in str(aborted.value)
        assert len(calls) == 5

        def shutting_down():
            raise LookupError("shutting down")

        # What cancel() raises gives up and comes out as it was raised.
        with pytest.raises(LookupError, match="shutting down") as raised:
            config.party(ctx, me, insecure_plaintext=not tls, cancel=shutting_down, **keys)
        assert isinstance(raised.value.__cause__, tfe.AbortedError)


def test_closing_the_running_party_from_its_provider_fails_the_run(tmp_path):
    # alice's provider runs on the thread of alice's run, which holds her
    # party: close() there would free it under the run. It raises instead.
    parties = {}

    def build_closing(ctx, _me, _fail_at):
        def provide():
            parties["alice"].close()
            return np.arange(4.0)

        return (ctx.define_private_input("alice", provide, shape=(4,)) * 2.0).reveal("alice")

    outcome = deploy(hostmap(tmp_path), build_closing, parties=parties)
    assert isinstance(outcome["alice"], tfe.InvalidArgumentError), outcome["alice"]
    assert "tfe.Party.close() called from an input provider" in str(outcome["alice"])
    for name in PLAYERS[:3]:
        assert isinstance(outcome[name], tfe.AbortedError), (name, outcome[name])


def test_running_the_running_party_from_its_provider_is_refused(tmp_path):
    # alice's provider runs on the thread of alice's run, which holds her
    # party: a run there would wait for itself. The library refuses it; the
    # provider catches the refusal and every player completes the run.
    parties, refusals = {}, []

    def build_rerunning(ctx, _me, _fail_at):
        x = ctx.define_private_input("alice", lambda: provide(x), shape=(4,))
        return (x * 2.0).reveal("alice")

    def provide(x):
        try:
            parties["alice"].run(x.reveal("alice"))
        except tfe.InvalidArgumentError as error:
            refusals.append(str(error))
        return np.arange(4.0)

    outcome = deploy(hostmap(tmp_path), build_rerunning, parties=parties)
    assert outcome["alice"].tolist() == [0.0, 2.0, 4.0, 6.0], outcome["alice"]
    assert len(refusals) == 1
    assert "tfe_party_run was called from an input callback of this party's own run" in refusals[0]
