package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.BiFunction;

/**
 * A computation under construction ({@code tfe_context_t}): its graph, with the input
 * providers and variables' initial values given to it, which stay in this process. Thread-safe
 * (the library serializes calls on one context). The operations are in {@link Ops} form: each
 * adds a node and returns a new {@link Tensor}.
 */
public final class Context extends Ops {
    private final Upcalls upcalls;

    private Context(MemorySegment address, Upcalls upcalls) {
        super(address, upcalls);
        this.upcalls = upcalls;
    }

    private static Context make(MemorySegment address) {
        return new Context(address, new Upcalls());
    }

    /** A context with the default fixed point (16 fractional, 20 integer bits). */
    public Context() {
        this(newContext(null), new Upcalls());
    }

    /** A context with {@code config}; a bad one is {@link Status#CONFIG}. */
    public Context(Config config) {
        this(newContext(config), new Upcalls());
    }

    private static MemorySegment newContext(Config config) {
        return create((arena, out) ->
                Native.tfe_context_new(config == null ? MemorySegment.NULL : config.toNative(arena), out));
    }

    /** The context of the graph file at {@code path} ({@link #save}); feed its inputs. */
    public static Context load(String path) {
        return make(create((arena, out) -> Native.tfe_context_load(arena.allocateFrom(path), out)));
    }

    /** Saves the graph (neither input values nor variables' values) to {@code path}. */
    public void save(String path) {
        call((ctx, arena) -> Native.tfe_context_save(ctx, arena.allocateFrom(path)));
    }

    /**
     * A private input called {@code name} (null: {@code "input<N>"}) owned by player
     * {@code owner}, of {@code shape}; {@code provider} (null: every run must feed it) gives its
     * values at every run, on the owner's library thread.
     */
    public Tensor definePrivateInput(String name, String owner, long[] shape, InputProvider provider) {
        // The stub is made with the context held: a closed context's upcalls are released.
        return new Tensor(getAddress((ctx, arena, out) -> Native.tfe_define_private_input(ctx, Strings.of(arena, name),
                Strings.of(arena, owner), longs(arena, shape), shape.length,
                provider == null ? MemorySegment.NULL : upcalls.stub(provider), MemorySegment.NULL, out)));
    }

    /** A private variable called {@code name}, owned by {@code owner}, initialized to {@code values}. */
    public Tensor definePrivateVariable(String name, String owner, double[] values, long[] shape) {
        return new Tensor(getAddress((ctx, arena, out) -> Native.tfe_define_private_variable(ctx, Strings.of(arena, name),
                Strings.of(arena, owner), doubles(arena, values), values.length, longs(arena, shape), shape.length,
                out)));
    }

    /** A public constant of {@code shape} holding {@code values} (row-major). */
    public Tensor defineConstant(double[] values, long[] shape) {
        return new Tensor(getAddress((ctx, arena, out) -> Native.tfe_define_constant(ctx, doubles(arena, values),
                values.length, longs(arena, shape), shape.length, out)));
    }

    /** The number of tensors (nodes) of the graph. */
    public long tensorCount() {
        return getLong((ctx, arena, out) -> Native.tfe_context_tensor_count(ctx, out));
    }

    /** A new handle for tensor number {@code index}, in the order of definition. */
    public Tensor tensor(long index) {
        return new Tensor(getAddress((ctx, arena, out) -> Native.tfe_context_tensor(ctx, index, out)));
    }

    /** A new handle for the input or variable called {@code name}. */
    public Tensor find(String name) {
        return new Tensor(getAddress((ctx, arena, out) -> Native.tfe_context_find(ctx, arena.allocateFrom(name), out)));
    }

    /** The fixed-point configuration. */
    public Config config() {
        return get(Native.CONFIG, (ctx, arena, out) -> Native.tfe_context_config(ctx, out), Config::fromNative);
    }

    /** The number of players of the graph. */
    public long playerCount() {
        return getLong((ctx, arena, out) -> Native.tfe_context_player_count(ctx, out));
    }

    /** The name of player number {@code index}. */
    public String playerName(long index) {
        return getString((ctx, arena, out) -> Native.tfe_context_player_name(ctx, index, out));
    }

    /** A local session (every player in this process) with the default options. */
    public Session newSession() {
        return newSession(null);
    }

    /** A local session with {@code options} (null: the defaults). */
    public Session newSession(SessionOptions options) {
        return openRunner((ctx, arena, out) -> options == null ? Native.tfe_session_new_local(ctx, out)
                : Native.tfe_session_new_local_with_options(ctx, options.toNative(arena), out), Session::new);
    }

    /**
     * The party of player {@code me} in the deployment of {@code hostmapPath}, over TLS with the
     * private key at {@code tlsKeyPath}; or over plaintext TCP when {@code tlsKeyPath} is null
     * ({@code tfe_party_open_insecure_plaintext}: trusted networks and tests only).
     */
    public Party openParty(String hostmapPath, String me, String tlsKeyPath) {
        return openRunner((ctx, arena, out) -> {
            MemorySegment hostmap = arena.allocateFrom(hostmapPath);
            MemorySegment player = arena.allocateFrom(me);
            return tlsKeyPath == null ? Native.tfe_party_open_insecure_plaintext(ctx, hostmap, player, out)
                    : Native.tfe_party_open(ctx, hostmap, player, arena.allocateFrom(tlsKeyPath), out);
        }, Party::new);
    }

    /**
     * Opens a handle that runs the graph (a session or a party) with {@code open}, and wraps it
     * with a reference to the input providers: they stay callable while it is open, even after
     * this context is closed. The reference is dropped again when opening fails.
     */
    private <T> T openRunner(Getter open, BiFunction<MemorySegment, Upcalls, T> wrap) {
        MemorySegment ctx = acquire();
        Upcalls held = upcalls.retain();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            TfeException.check(open.call(ctx, arena, out));
            return wrap.apply(out.get(ADDRESS, 0), held);
        } catch (RuntimeException | Error e) {
            held.release();
            throw e;
        } finally {
            release();
        }
    }

    static MemorySegment longs(Arena arena, long[] values) {
        return values == null || values.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_LONG, values);
    }

    static MemorySegment doubles(Arena arena, double[] values) {
        return values.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_DOUBLE, values);
    }
}
