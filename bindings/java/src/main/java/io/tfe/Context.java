package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;

/**
 * A computation under construction ({@code tfe_context_t}): its graph, with the input
 * providers and variables' initial values given to it, which stay in this process. Thread-safe
 * (the library serializes calls on one context). The operations are in {@link Ops} form: each
 * adds a node and returns a new {@link Tensor}.
 */
public final class Context extends Ops {
    private static final MethodHandle CANCELLED = Native.upcallTarget(MethodHandles.lookup(), "cancelled",
            MethodType.methodType(int.class, Cancel.class, MemorySegment.class));

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
     * ({@code tfe_party_open_insecure_plaintext}: trusted networks and tests only). Blocks until
     * every player has connected, or the hostmap's connect timeout.
     *
     * <p>Interrupting the calling thread ({@link Thread#interrupt()}) while it waits for the
     * other players gives up ({@code tfe_party_open_cancellable}): this throws a
     * {@link TfeException} of {@link Status#ABORTED} whose message names the players not yet
     * connected, within about a second, and the connections made so far are closed (the other
     * players see them close). A thread interrupted before the call gives up at once. As this
     * method throws no {@link InterruptedException}, the thread's interrupt status stays set;
     * clear it ({@link Thread#interrupted()}) to open again on the same thread. An interrupt
     * once every player is connected does not stop the opening.
     */
    public Party openParty(String hostmapPath, String me, String tlsKeyPath) {
        return openParty(hostmapPath, me, tlsKeyPath, null);
    }

    /**
     * {@link #openParty(String, String, String)}, which also gives up (the same
     * {@link Status#ABORTED} exception) when {@code cancelled} (null: never) returns true. The
     * library asks it on the calling thread, before each attempt to connect to a player and at
     * least every 20 ms while waiting; an interrupt of the thread gives up all the same. An
     * exception it throws gives up too and is thrown again here, the library's exception
     * suppressed in it.
     */
    public Party openParty(String hostmapPath, String me, String tlsKeyPath, BooleanSupplier cancelled) {
        Cancel cancel = new Cancel(cancelled);
        try {
            return openRunner((ctx, arena, out) -> {
                MemorySegment hostmap = arena.allocateFrom(hostmapPath);
                MemorySegment player = arena.allocateFrom(me);
                MemorySegment stub = Native.LINKER.upcallStub(MethodHandles.insertArguments(CANCELLED, 0, cancel),
                        Native.CANCEL_FN, arena);
                return tlsKeyPath == null
                        ? Native.tfe_party_open_insecure_plaintext_cancellable(ctx, hostmap, player, stub,
                                MemorySegment.NULL, out)
                        : Native.tfe_party_open_cancellable(ctx, hostmap, player, arena.allocateFrom(tlsKeyPath), stub,
                                MemorySegment.NULL, out);
            }, Party::new);
        } catch (TfeException e) {
            if (cancel.thrown != null) {
                cancel.thrown.addSuppressed(e);
                throw Native.rethrow(cancel.thrown);
            }
            throw e;
        }
    }

    /** One opening's check for giving up, and what the caller's check threw. */
    private static final class Cancel {
        final BooleanSupplier cancelled;
        Throwable thrown;

        Cancel(BooleanSupplier cancelled) {
            this.cancelled = cancelled;
        }
    }

    /**
     * The {@code tfe_cancel_fn}, on the opening thread: gives up when that thread is interrupted
     * or the caller's check says so; never lets an exception reach the library.
     */
    private static int cancelled(Cancel cancel, MemorySegment userData) {
        try {
            return Thread.currentThread().isInterrupted()
                    || (cancel.cancelled != null && cancel.cancelled.getAsBoolean()) ? 1 : 0;
        } catch (Throwable t) {
            cancel.thrown = t;
            return 1;
        }
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
