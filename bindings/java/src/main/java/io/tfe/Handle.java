package io.tfe;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * One C handle owned by a Java object: {@link #close()} frees it once (safe twice), a
 * {@link Cleaner} frees it if the object is collected unclosed, and a use after close is an
 * {@link IllegalStateException} naming the type, never a call with a freed handle.
 *
 * <p>Every use holds a read lock for the length of the C call and close takes the write lock,
 * so a close from one thread waits for the calls in flight on others (the C API forbids a
 * _free racing with a use of its handle).
 */
abstract class Handle implements AutoCloseable {
    static final Cleaner CLEANER = Cleaner.create();

    private final String type;
    private final MemorySegment address;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Cleaner.Cleanable cleanable;
    private boolean closed;

    /**
     * Owns {@code address}; {@code free} is the C _free of its type, run once with
     * {@code address} by {@link #close()} or the cleaner; {@code after} (may be null) runs
     * after it (releasing what must outlive the C handle). Neither may refer to this object.
     */
    Handle(String type, MemorySegment address, Consumer<MemorySegment> free, Runnable after) {
        this.type = type;
        this.address = address;
        this.cleanable = CLEANER.register(this, () -> {
            free.accept(address);
            if (after != null) {
                after.run();
            }
        });
    }

    /** The handle for one call: pair with {@link #release()} in a finally block. */
    final MemorySegment acquire() {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new IllegalStateException("tfe: this " + type + " is closed");
        }
        return address;
    }

    final void release() {
        lock.readLock().unlock();
    }

    /** Whether {@link #close()} ran. */
    public final boolean isClosed() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Frees the C handle (waiting for calls in flight on other threads); safe twice. */
    @Override
    public void close() {
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
