package io.tfe;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The outcome of one run ({@code tfe_result_t}): one value per fetch, in order, and one stats
 * record per player. Immutable; values are copied out, so they outlive {@link #close()}.
 */
public final class Result extends Handle {
    private static final VarHandle PLAYER_NAME = Layouts.field(Native.PLAYER_STATS, "name");
    private static final VarHandle PLAYER_BYTES_SENT = Layouts.field(Native.PLAYER_STATS, "bytes_sent");
    private static final VarHandle PLAYER_WIRE_BYTES_SENT = Layouts.field(Native.PLAYER_STATS, "wire_bytes_sent");
    private static final VarHandle PLAYER_MESSAGES_SENT = Layouts.field(Native.PLAYER_STATS, "messages_sent");
    private static final VarHandle PLAYER_ROUNDS = Layouts.field(Native.PLAYER_STATS, "rounds");
    private static final VarHandle PLAYER_WALL_TIME_NS = Layouts.field(Native.PLAYER_STATS, "wall_time_ns");

    private static final VarHandle OP_NAME = Layouts.field(Native.OP_STATS, "name");
    private static final VarHandle OP_COUNT = Layouts.field(Native.OP_STATS, "count");
    private static final VarHandle OP_BYTES_SENT = Layouts.field(Native.OP_STATS, "bytes_sent");
    private static final VarHandle OP_WIRE_BYTES_SENT = Layouts.field(Native.OP_STATS, "wire_bytes_sent");
    private static final VarHandle OP_MESSAGES_SENT = Layouts.field(Native.OP_STATS, "messages_sent");
    private static final VarHandle OP_ROUNDS = Layouts.field(Native.OP_STATS, "rounds");
    private static final VarHandle OP_WALL_TIME_NS = Layouts.field(Native.OP_STATS, "wall_time_ns");

    Result(MemorySegment address) {
        super("Result", address, Native::tfe_result_free, null);
    }

    /** What one run cost one player ({@code tfe_player_stats_t}). */
    public record PlayerStats(String name, long bytesSent, long wireBytesSent, long messagesSent, long rounds,
            long wallTimeNs) {}

    /** What the ops of one kind cost one player in one run ({@code tfe_op_stats_t}). */
    public record OpStats(String name, long count, long bytesSent, long wireBytesSent, long messagesSent, long rounds,
            long wallTimeNs) {}

    /** The number of values (fetches). */
    public long count() {
        return getLong((r, a, out) -> Native.tfe_result_count(r, out));
    }

    /** A copy of value {@code index} (row-major). */
    public double[] values(long index) {
        return getDoubles((r, data, len) -> Native.tfe_result_value(r, index, data, len));
    }

    /** The shape of value {@code index}. */
    public long[] shape(long index) {
        return getShape((r, shape, rank) -> Native.tfe_result_shape(r, index, shape, rank));
    }

    /** The number of players with stats (a party's result: its own only). */
    public long playerCount() {
        return getLong((r, a, out) -> Native.tfe_result_player_count(r, out));
    }

    /** The stats of player number {@code index}. */
    public PlayerStats playerStats(long index) {
        return get(Native.PLAYER_STATS, (r, a, s) -> Native.tfe_result_player_stats(r, index, s),
                s -> new PlayerStats(Strings.read((MemorySegment) PLAYER_NAME.get(s)), (long) PLAYER_BYTES_SENT.get(s),
                        (long) PLAYER_WIRE_BYTES_SENT.get(s), (long) PLAYER_MESSAGES_SENT.get(s),
                        (long) PLAYER_ROUNDS.get(s), (long) PLAYER_WALL_TIME_NS.get(s)));
    }

    /** The index of the player called {@code name}. */
    public long playerIndex(String name) {
        return getLong((r, a, out) -> Native.tfe_result_player_index(r, a.allocateFrom(name), out));
    }

    /** The number of op kinds with stats at player number {@code player}. */
    public long opCount(long player) {
        return getLong((r, a, out) -> Native.tfe_result_op_count(r, player, out));
    }

    /** The stats of op kind number {@code op} at player number {@code player}. */
    public OpStats opStats(long player, long op) {
        return get(Native.OP_STATS, (r, a, s) -> Native.tfe_result_op_stats(r, player, op, s),
                s -> new OpStats(Strings.read((MemorySegment) OP_NAME.get(s)), (long) OP_COUNT.get(s),
                        (long) OP_BYTES_SENT.get(s), (long) OP_WIRE_BYTES_SENT.get(s), (long) OP_MESSAGES_SENT.get(s),
                        (long) OP_ROUNDS.get(s), (long) OP_WALL_TIME_NS.get(s)));
    }

    /** The run's trace as Chrome trace-event JSON. */
    public String traceJson() {
        return getString((r, a, out) -> Native.tfe_result_trace_json(r, out));
    }

    /** The stats as a table for people. */
    public String statsTable() {
        return getString((r, a, out) -> Native.tfe_result_stats_table(r, out));
    }
}
