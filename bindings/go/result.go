package tfe

// #include "tfe.h"
import "C"

import "time"

// Value is one fetched value, copied out of its result: row-major data and
// its shape. Data is nil for an assignment.
type Value struct {
	Shape []int
	Data  []float64
}

// libValue is a value the library owns, as the accessors of a result's or
// an array's values and shape write it.
type libValue struct {
	values libValues
	shape  libShape
}

// PlayerStats is a tfe_player_stats_t: what one run cost one player.
type PlayerStats struct {
	Name          string
	BytesSent     uint64 // payload bytes
	WireBytesSent uint64 // with frame headers
	MessagesSent  uint64
	Rounds        uint64
	WallTime      time.Duration
}

// OpStats is a tfe_op_stats_t: what the ops of one kind cost one player.
type OpStats struct {
	Name          string
	Count         uint64
	BytesSent     uint64
	WireBytesSent uint64
	MessagesSent  uint64
	Rounds        uint64
	WallTime      time.Duration
}

// Result is a tfe_result_t: the outcome of one run (its values and each
// player's stats). Immutable; usable from any goroutine until Close.
type Result struct {
	h handle[*C.tfe_result_t]
}

func newResult(ptr *C.tfe_result_t) *Result {
	r := &Result{}
	return initHandle(r, &r.h, "tfe.Result", ptr, func(p *C.tfe_result_t) { C.tfe_result_free(p) }, nil)
}

// Close frees the result (tfe_result_free). Safe twice.
func (r *Result) Close() { r.h.close() }

// Count is the number of values, one per fetch (tfe_result_count).
func (r *Result) Count() (int, error) {
	return r.h.count(func(p *C.tfe_result_t, n *C.size_t) C.enum_tfe_status_t { return C.tfe_result_count(p, n) })
}

// Value is a copy of the value of fetch index with its shape
// (tfe_result_value, tfe_result_shape). In a party's result, a value
// revealed to another player is ErrInvalidArgument.
func (r *Result) Value(index int) (Value, error) {
	return readAt(&r.h, "tfe_result_value", index, func(p *C.tfe_result_t, i C.size_t, v *libValue) C.enum_tfe_status_t {
		if status := C.tfe_result_value(p, i, &v.values.data, &v.values.n); status != C.TFE_OK {
			return status
		}
		return C.tfe_result_shape(p, i, &v.shape.dims, &v.shape.rank)
	}, func(v libValue) Value { return Value{Shape: v.shape.copy(), Data: v.values.copy()} })
}

// Values are the values of every fetch, in order.
func (r *Result) Values() ([]Value, error) {
	n, err := r.Count()
	if err != nil {
		return nil, err
	}
	values := make([]Value, n)
	for i := range values {
		if values[i], err = r.Value(i); err != nil {
			return nil, err
		}
	}
	return values, nil
}

// PlayerCount is the number of players with stats (tfe_result_player_count).
func (r *Result) PlayerCount() (int, error) {
	return r.h.count(func(p *C.tfe_result_t, n *C.size_t) C.enum_tfe_status_t { return C.tfe_result_player_count(p, n) })
}

// PlayerStats is what the run cost player index (tfe_result_player_stats).
func (r *Result) PlayerStats(index int) (PlayerStats, error) {
	return readAt(&r.h, "tfe_result_player_stats", index,
		func(p *C.tfe_result_t, i C.size_t, raw *C.tfe_player_stats_t) C.enum_tfe_status_t {
			return C.tfe_result_player_stats(p, i, raw)
		}, func(raw C.tfe_player_stats_t) PlayerStats {
			return PlayerStats{Name: C.GoString(raw.name), BytesSent: uint64(raw.bytes_sent),
				WireBytesSent: uint64(raw.wire_bytes_sent), MessagesSent: uint64(raw.messages_sent),
				Rounds: uint64(raw.rounds), WallTime: time.Duration(raw.wall_time_ns)}
		})
}

// PlayerIndex is the index of the player called name (tfe_result_player_index).
func (r *Result) PlayerIndex(name string) (int, error) {
	n := cString(name)
	defer freeString(n)
	var index C.size_t
	err := r.h.call(func(p *C.tfe_result_t) C.enum_tfe_status_t { return C.tfe_result_player_index(p, n, &index) })
	return int(index), err
}

// OpCount is the number of op kinds that ran at player (tfe_result_op_count).
func (r *Result) OpCount(player int) (int, error) {
	pl, err := size("tfe_result_op_count", "player", player)
	if err != nil {
		return 0, err
	}
	return r.h.count(func(p *C.tfe_result_t, n *C.size_t) C.enum_tfe_status_t { return C.tfe_result_op_count(p, pl, n) })
}

// OpStats is what the ops of kind op cost player (tfe_result_op_stats).
func (r *Result) OpStats(player, op int) (OpStats, error) {
	pl, err := size("tfe_result_op_stats", "player", player)
	if err != nil {
		return OpStats{}, err
	}
	o, err := size("tfe_result_op_stats", "op", op)
	if err != nil {
		return OpStats{}, err
	}
	return read(&r.h, func(p *C.tfe_result_t, raw *C.tfe_op_stats_t) C.enum_tfe_status_t {
		return C.tfe_result_op_stats(p, pl, o, raw)
	}, func(raw C.tfe_op_stats_t) OpStats {
		return OpStats{Name: C.GoString(raw.name), Count: uint64(raw.count), BytesSent: uint64(raw.bytes_sent),
			WireBytesSent: uint64(raw.wire_bytes_sent), MessagesSent: uint64(raw.messages_sent),
			Rounds: uint64(raw.rounds), WallTime: time.Duration(raw.wall_time_ns)}
	})
}

// TraceJSON is the run as a Chrome trace (tfe_result_trace_json).
func (r *Result) TraceJSON() (string, error) {
	return r.h.text(func(p *C.tfe_result_t, s **C.char) C.enum_tfe_status_t { return C.tfe_result_trace_json(p, s) })
}

// StatsTable is the stats as a table for people (tfe_result_stats_table).
func (r *Result) StatsTable() (string, error) {
	return r.h.text(func(p *C.tfe_result_t, s **C.char) C.enum_tfe_status_t { return C.tfe_result_stats_table(p, s) })
}
