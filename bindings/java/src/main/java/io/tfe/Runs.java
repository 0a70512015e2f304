package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** What sessions and parties share: a run of fetches (with feeds) into a {@link Result}. */
final class Runs {
    private Runs() {}

    @FunctionalInterface
    interface RunCall {
        int call(MemorySegment fetches, long n, MemorySegment feeds, MemorySegment out);
    }

    /** Holds {@code feeds} (may be null) and every fetch for the length of {@code call}. */
    static Result run(RunCall call, Feeds feeds, Tensor[] fetches) {
        int held = 0;
        MemorySegment feedsAddress = MemorySegment.NULL;
        boolean feedsHeld = false;
        try (Arena arena = Arena.ofConfined()) {
            // One allocation for the fetches and the out-parameter (the result) after them.
            MemorySegment block = arena.allocate(ADDRESS, fetches.length + 1L);
            MemorySegment array = block.asSlice(0, ADDRESS.byteSize() * fetches.length);
            MemorySegment out = block.asSlice(ADDRESS.byteSize() * fetches.length, ADDRESS);
            for (; held < fetches.length; held++) {
                array.setAtIndex(ADDRESS, held, fetches[held].acquire());
            }
            if (feeds != null) {
                feedsAddress = feeds.acquire();
                feedsHeld = true;
            }
            TfeException.check(call.call(array, fetches.length, feedsAddress, out));
            return new Result(out.get(ADDRESS, 0));
        } finally {
            if (feedsHeld) {
                feeds.release();
            }
            for (int i = 0; i < held; i++) {
                fetches[i].release();
            }
        }
    }
}
