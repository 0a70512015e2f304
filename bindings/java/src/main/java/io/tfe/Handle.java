package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.ref.Cleaner;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One C handle owned by a Java object: {@link #close()} frees it once (safe twice), a
 * {@link Cleaner} frees it if the object is collected unclosed, and a use after close is an
 * {@link IllegalStateException} naming the type, never a call with a freed handle.
 *
 * <p>Every use holds a read lock for the length of the C call and close takes the write lock,
 * so a close from one thread waits for the calls in flight on others (the C API forbids a
 * _free racing with a use of its handle). A use inside an input provider does not queue behind
 * a close waiting for the write lock (see {@link #acquire()}).
 */
abstract class Handle implements AutoCloseable {
    static final Cleaner CLEANER = Cleaner.create();

    private final String type;
    private final MemorySegment address;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Cleaner.Cleanable cleanable;
    /** The input providers of the context this handle is or runs (null: none). */
    private final Upcalls upcalls;
    private boolean closed;

    /**
     * Owns {@code address}; {@code free} is the C _free of its type, run once with
     * {@code address} by {@link #close()} or the cleaner; {@code free} must not refer to this
     * object. {@code upcalls} (null for a handle that no input provider serves) are the input
     * providers of the context this handle is or was made from: this handle's reference to
     * them is released after the free, and {@link #close()} is refused inside one of them.
     */
    Handle(String type, MemorySegment address, Consumer<MemorySegment> free, Upcalls upcalls) {
        this.type = type;
        this.address = address;
        this.upcalls = upcalls;
        this.cleanable = CLEANER.register(this, () -> {
            free.accept(address);
            if (upcalls != null) {
                upcalls.release();
            }
        });
    }

    /**
     * The handle for one call: pair with {@link #release()} in a finally block.
     *
     * <p>Inside an input provider this does not wait behind a {@link #close()} from another
     * thread that waits for the write lock: the run that called the provider may hold this
     * handle (a session, or a fetch or the feeds of its run) until the provider returns, and the
     * close waits for that run, so a use queued behind the close would wait for good. It goes
     * ahead of the close instead, and the call reaches the library, which refuses a run or reset
     * of the session or party whose run called the provider ({@link Status#INVALID_ARGUMENT}).
     */
    final MemorySegment acquire() {
        lockForUse();
        if (closed) {
            lock.readLock().unlock();
            throw new IllegalStateException("tfe: this " + type + " is closed");
        }
        return address;
    }

    final void release() {
        lock.readLock().unlock();
    }

    /**
     * Takes the read lock, inside an input provider ahead of a close waiting for the write lock.
     * There the attempt without waiting fails only while a close holds the write lock, freeing
     * a handle no run holds: waiting for it is safe.
     */
    private void lockForUse() {
        if (!Upcalls.insideAny() || !lock.readLock().tryLock()) {
            lock.readLock().lock();
        }
    }

    /** A C function that makes a handle from no other: writes the new handle to {@code out}. */
    @FunctionalInterface
    interface Create {
        int call(Arena arena, MemorySegment out);
    }

    /**
     * Runs {@code create} with a confined arena for its arguments and an out-param; throws on its
     * status, else returns the new C handle, for the caller to own.
     */
    static MemorySegment create(Create create) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            TfeException.check(create.call(arena, out));
            return out.get(ADDRESS, 0);
        }
    }

    /** A C call on the handle that needs only an arena for its arguments. */
    @FunctionalInterface
    interface Call {
        int call(MemorySegment handle, Arena arena);
    }

    /** Runs {@code call} with the handle held and a confined arena; throws on its status. */
    final void call(Call call) {
        MemorySegment handle = acquire();
        try (Arena arena = Arena.ofConfined()) {
            TfeException.check(call.call(handle, arena));
        } finally {
            release();
        }
    }

    /** A C call on the handle alone: an interrupt. */
    @FunctionalInterface
    interface Interrupt {
        int call(MemorySegment handle);
    }

    /**
     * Runs {@code interrupt} with the handle held, without queueing behind a {@link #close()}
     * that waits for the calls in flight: the interrupt must reach the call that close waits
     * for. While a close holds the handle no call is in flight, and this does nothing.
     */
    final void interruptWith(Interrupt interrupt) {
        if (!lock.readLock().tryLock()) {
            return;
        }
        try {
            if (closed) {
                throw new IllegalStateException("tfe: this " + type + " is closed");
            }
            TfeException.check(interrupt.call(address));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A C accessor of the handle that writes its answer to {@code out}. */
    @FunctionalInterface
    interface Getter {
        int call(MemorySegment handle, Arena arena, MemorySegment out);
    }

    /** A {@code tfe_*_shape} accessor of the handle writing its (pointer, rank) out-params. */
    @FunctionalInterface
    interface ShapeGetter {
        int call(MemorySegment handle, MemorySegment shape, MemorySegment rank);
    }

    /** A C accessor of the handle writing a (pointer to doubles, count) pair of out-params. */
    @FunctionalInterface
    interface DoublesGetter {
        int call(MemorySegment handle, MemorySegment data, MemorySegment len);
    }

    /** The out-params of a {@link DoublesGetter}, in one allocation (cheaper than two). */
    private static final StructLayout DOUBLES_OUT = MemoryLayout.structLayout(ADDRESS.withName("data"),
            JAVA_LONG.withName("len"));
    private static final long DOUBLES_OUT_DATA = Layouts.offset(DOUBLES_OUT, "data");
    private static final long DOUBLES_OUT_LEN = Layouts.offset(DOUBLES_OUT, "len");

    /**
     * Runs the getter with the handle held and an {@code out} of {@code layout}, and reads the
     * answer from it with {@code read} before the handle is released.
     */
    final <T> T get(MemoryLayout layout, Getter getter, Function<MemorySegment, T> read) {
        MemorySegment handle = acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(layout);
            TfeException.check(getter.call(handle, arena, out));
            return read.apply(out);
        } finally {
            release();
        }
    }

    /** A size or count the getter writes. */
    final long getLong(Getter getter) {
        return get(JAVA_LONG, getter, out -> out.get(JAVA_LONG, 0));
    }

    /** The pointer the getter writes (a new C handle, for the caller to own). */
    final MemorySegment getAddress(Getter getter) {
        return get(ADDRESS, getter, out -> out.get(ADDRESS, 0));
    }

    /** A string of the handle's the getter points to, copied while the handle is held. */
    final String getString(Getter getter) {
        return get(ADDRESS, getter, out -> Strings.read(out.get(ADDRESS, 0)));
    }

    /** The doubles the getter points to, copied while the handle is held. */
    final double[] getDoubles(DoublesGetter getter) {
        Getter pair = (handle, arena, out) ->
                getter.call(handle, out.asSlice(DOUBLES_OUT_DATA, ADDRESS), out.asSlice(DOUBLES_OUT_LEN, JAVA_LONG));
        return get(DOUBLES_OUT, pair, out -> {
            long n = out.get(JAVA_LONG, DOUBLES_OUT_LEN);
            MemorySegment data = out.get(ADDRESS, DOUBLES_OUT_DATA);
            return n == 0 ? new double[0] : data.reinterpret(n * Double.BYTES).toArray(JAVA_DOUBLE);
        });
    }

    /** The shape the getter points to, copied while the handle is held. */
    final long[] getShape(ShapeGetter getter) {
        MemorySegment handle = acquire();
        try {
            return Tensor.readShape((shape, rank) -> getter.call(handle, shape, rank));
        } finally {
            release();
        }
    }

    /** Whether {@link #close()} ran. */
    public final boolean isClosed() {
        lockForUse();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Frees the C handle (waiting for calls in flight on other threads); safe twice.
     *
     * <p>Throws a {@link TfeException} of {@link Status#INVALID_ARGUMENT} instead, leaving the
     * handle open, when called inside a callback of a call on this handle (a fit's progress
     * listener closing its trainer), or, for a {@link Context} and every {@link Session} or
     * {@link Party} made from it, inside an input provider of that context, which a run calls
     * (on a library thread or the run's own): a close of the session or party would wait for
     * the run, which waits for the provider; the context follows the same rule. The
     * exception, left to the provider, fails the run with its message. Close after the call
     * or run returns.
     */
    @Override
    public void close() {
        if (upcalls != null && upcalls.providing()) {
            // An input provider of this handle's context runs on this thread, inside a run of a
            // session or party of that context: the run, holding its handle's read lock (on
            // another thread in a local session), waits for the provider. One rule for the
            // context and all its runners: a close of the context itself would not wait, but
            // nothing of a run's context is closed inside its providers.
            throw new TfeException(Status.INVALID_ARGUMENT, "tfe: " + type + ".close() called inside an input"
                    + " provider of the same context, during a run: close it after run returns");
        }
        if (lock.getReadHoldCount() > 0) {
            // This thread is inside a call on the handle (in one of its callbacks, a fit's
            // progress callback): the write lock would wait for that call, which waits for this.
            throw new TfeException(Status.INVALID_ARGUMENT, "tfe: " + type + ".close() called inside a"
                    + " call on it (from its callback): expected after the call returns");
        }
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            cleanable.clean();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
