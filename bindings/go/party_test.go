package tfe_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tfe "tfe/bindings/go"
)

var partyPlayers = []string{"server0", "server1", "server2", "input-provider"}

// writeHostmap writes a hostmap of the four players on free loopback ports.
func writeHostmap(t *testing.T) string {
	t.Helper()
	return writeHostmapOf(t, partyPlayers)
}

// writeHostmapOf writes a hostmap of names on free loopback ports, with
// 20 s timeouts.
func writeHostmapOf(t *testing.T, names []string) string {
	t.Helper()
	return writeHostmapConnecting(t, names, 20*time.Second)
}

// writeHostmapConnecting is writeHostmapOf with a connect timeout of its
// own. Every listener stays open until all ports are chosen: released one
// by one, the system may hand the same port out twice.
func writeHostmapConnecting(t *testing.T, names []string, connectTimeout time.Duration) string {
	t.Helper()
	type player struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	}
	var players []player
	for _, name := range names {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		players = append(players, player{name, l.Addr().String()})
	}
	data, _ := json.Marshal(map[string]any{"players": players, "connect_timeout_ms": connectTimeout.Milliseconds(),
		"recv_timeout_ms": 20000})
	path := filepath.Join(t.TempDir(), "hostmap.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type partyOutcome struct {
	value tfe.Value
	err   error
}

// openPlayer opens the party of name until opening is done, over TLS with
// the keys in keyDir unless it is "".
func openPlayer(opening context.Context, ctx *tfe.Context, hostmap, name, keyDir string) (*tfe.Party, error) {
	if keyDir == "" {
		return tfe.OpenPartyInsecurePlaintextContext(opening, ctx, hostmap, name)
	}
	return tfe.OpenPartyContext(opening, ctx, hostmap, name, filepath.Join(keyDir, name+".key"))
}

// runParties runs fetch at each player on its own goroutine, over TLS with
// the keys in keyDir unless it is "". The servers 0 and 2 open with a
// context that could be cancelled but is not, which the library asks while
// they wait; the others with context.Background, as OpenParty does, which
// it never asks.
func runParties(t *testing.T, ctx *tfe.Context, fetch *tfe.Tensor, hostmap, keyDir string,
	run func(string, *tfe.Party, *tfe.Tensor) (*tfe.Result, error)) []partyOutcome {
	outcomes := make([]partyOutcome, len(partyPlayers))
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i, name := range partyPlayers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opening := context.Background()
			if name == "server0" || name == "server2" {
				opening = cancellable
			}
			party, err := openPlayer(opening, ctx, hostmap, name, keyDir)
			if err != nil {
				outcomes[i].err = err
				return
			}
			defer party.Close()
			res, err := run(name, party, fetch)
			if err != nil {
				outcomes[i].err = err
				return
			}
			defer res.Close()
			outcomes[i].value, outcomes[i].err = res.Value(0)
		}()
	}
	wg.Wait()
	return outcomes
}

func runOnce(_ string, party *tfe.Party, fetch *tfe.Tensor) (*tfe.Result, error) {
	return party.Run(context.Background(), []*tfe.Tensor{fetch}, nil)
}

func TestFourPartiesRunTheSeedProgram(t *testing.T) {
	s := newSeed(t, fill(1))
	outcomes := runParties(t, s.ctx, s.out, writeHostmap(t), "", runOnce)
	for i, o := range outcomes[:3] {
		if o.err != nil {
			t.Fatalf("%s: %v", partyPlayers[i], o.err)
		}
		expectAll(t, o.value, 10, 5, 10)
	}
	// The input provider learns nothing.
	expectStatus(t, outcomes[3].err, tfe.ErrInvalidArgument)
}

func TestFourPartiesOverTLS(t *testing.T) {
	s := newSeed(t, fill(3))
	hostmap := writeHostmap(t)
	keys := t.TempDir()
	if err := tfe.GenerateCertificates(hostmap, keys); err != nil {
		t.Fatal(err)
	}
	outcomes := runParties(t, s.ctx, s.out, hostmap, keys, runOnce)
	for i, o := range outcomes[:3] {
		if o.err != nil {
			t.Fatalf("%s: %v", partyPlayers[i], o.err)
		}
		expectAll(t, o.value, 30, 5, 10)
	}
	_, err := tfe.OpenParty(s.ctx, hostmap, "server0", filepath.Join(keys, "missing.key"))
	expectStatus(t, err, tfe.ErrConfig)
	expectStatus(t, tfe.GenerateCertificates("/nonexistent/hostmap.json", keys), tfe.ErrConfig)
}

func TestAPanickingProviderAbortsTheOtherParties(t *testing.T) {
	s := newSeed(t, func(string, []int, []float64) error { panic("sensor offline") })
	outcomes := runParties(t, s.ctx, s.out, writeHostmap(t), "", runOnce)
	e := expectStatus(t, outcomes[3].err, tfe.ErrInvalidArgument)
	if !strings.Contains(e.Message, "sensor offline") {
		t.Fatalf("input provider: %s", e.Message)
	}
	for i, o := range outcomes[:3] {
		e := expectStatus(t, o.err, tfe.ErrAborted)
		if !strings.Contains(e.Message, "'input-provider'") || strings.Contains(e.Message, "sensor offline") {
			t.Fatalf("%s: %s", partyPlayers[i], e.Message)
		}
	}
}

// A player whose peers never start gives up opening once its context is
// done, already (at its first check) or while it waits (a deadline):
// server0 waiting for the others to connect to it, server2 connecting to
// server0, over plaintext and TLS. The hostmap's connect timeout (a
// minute) would fail it otherwise, with ErrNetwork.
func TestOpeningGivesUpWhenItsContextIsDone(t *testing.T) {
	s := newSeed(t, fill(1))
	waitingFor := map[string]string{"server0": "server1, server2, input-provider", "server2": "server0"}
	contexts := []struct {
		name string
		want error
		make func() (context.Context, context.CancelFunc)
	}{
		{"cancelled", context.Canceled, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}},
		{"deadline", context.DeadlineExceeded, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}},
	}
	for _, secure := range []bool{false, true} {
		for _, name := range []string{"server0", "server2"} {
			for _, c := range contexts {
				t.Run(fmt.Sprintf("%s/%s/tls=%v", name, c.name, secure), func(t *testing.T) {
					hostmap := writeHostmapConnecting(t, partyPlayers, time.Minute)
					keys := ""
					if secure {
						keys = t.TempDir()
						if err := tfe.GenerateCertificates(hostmap, keys); err != nil {
							t.Fatal(err)
						}
					}
					opening, cancel := c.make()
					defer cancel()
					party, err := openPlayer(opening, s.ctx, hostmap, name, keys)
					if err == nil {
						party.Close()
						t.Fatal("opened without the other players")
					}
					if !errors.Is(err, c.want) {
						t.Fatalf("expected %v, got %v", c.want, err)
					}
					e := expectStatus(t, err, tfe.ErrAborted)
					want := fmt.Sprintf("player '%s' aborted the run: opening was cancelled by its caller while waiting for %s",
						name, waitingFor[name])
					if !strings.Contains(e.Message, want) {
						t.Fatalf("expected %q in %q", want, e.Message)
					}
				})
			}
		}
	}
}
