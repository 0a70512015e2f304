package tfe_test

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	tfe "tfe/bindings/go"
)

var partyPlayers = []string{"server0", "server1", "server2", "input-provider"}

// writeHostmap writes a hostmap of the four players on free loopback ports.
func writeHostmap(t *testing.T) string {
	t.Helper()
	return writeHostmapOf(t, partyPlayers)
}

// writeHostmapOf writes a hostmap of names on free loopback ports. Every
// listener stays open until all ports are chosen: released one by one, the
// system may hand the same port out twice.
func writeHostmapOf(t *testing.T, names []string) string {
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
	data, _ := json.Marshal(map[string]any{"players": players, "connect_timeout_ms": 20000, "recv_timeout_ms": 20000})
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

// runParties runs fetch at each player on its own goroutine, over TLS with
// the keys in keyDir unless it is "".
func runParties(t *testing.T, ctx *tfe.Context, fetch *tfe.Tensor, hostmap, keyDir string,
	run func(string, *tfe.Party, *tfe.Tensor) (*tfe.Result, error)) []partyOutcome {
	outcomes := make([]partyOutcome, len(partyPlayers))
	var wg sync.WaitGroup
	for i, name := range partyPlayers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var party *tfe.Party
			var err error
			if keyDir == "" {
				party, err = tfe.OpenPartyInsecurePlaintext(ctx, hostmap, name)
			} else {
				party, err = tfe.OpenParty(ctx, hostmap, name, filepath.Join(keyDir, name+".key"))
			}
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
