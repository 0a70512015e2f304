package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * The binding's overhead over the C API: a 64x64 private matmul run (an input times a
 * variable, revealed), the same graph and session kind on both sides: through the binding
 * (Session.run, a lambda provider, values copied out) and through raw downcalls of
 * {@link Native} (an upcall stub that copies a prepared buffer, tfe_session_run, the values copied
 * out into a new double[], tfe_result_free): both sides copy the input in, copy the values out and
 * free what they allocate. Both warm up first (the JIT compiles after thousands of calls: 3,000
 * runs each, or -Dwarmup=N). Runs alternate (ABBA), so both sides see the same machine; the ratio
 * of the medians is the overhead. The machine is shared: the runs are cut into 10 blocks, each
 * with fresh sessions on both sides, and the spread of the blocks' ratios is printed with the load
 * average before and after. Not a test (Surefire runs *Test classes only); run it with:
 *
 * <pre>
 * mvn -q -f bindings/java/pom.xml test-compile
 * $JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -Dtfe.library.path=target/release \
 *     -cp bindings/java/target/classes:bindings/java/target/test-classes io.tfe.OverheadBench [runs (2000)] [tcp|memory]
 * </pre>
 */
public final class OverheadBench {
    private OverheadBench() {}

    static final int N = 64;
    static final MemorySegment ONES = Arena.global().allocate(JAVA_DOUBLE, N * N).fill((byte) 0);

    static {
        for (int i = 0; i < N * N; i++) {
            ONES.setAtIndex(JAVA_DOUBLE, i, 1.0);
        }
    }

    static int rawProvide(MemorySegment userData, MemorySegment name, MemorySegment shape, long rank,
            MemorySegment out, long len) {
        MemorySegment.copy(ONES, 0, out.reinterpret(len * Double.BYTES), 0, len * Double.BYTES);
        return 0;
    }

    /** The C API side: every handle by hand, statuses checked, the input copied in, the values out. */
    static final class Raw implements AutoCloseable {
        final Arena arena = Arena.ofShared();
        final MemorySegment ctx;
        final MemorySegment sess;
        final MemorySegment fetches;
        final MemorySegment[] tensors = new MemorySegment[4];

        Raw(Transport transport) throws Exception {
            MemorySegment out = arena.allocate(ADDRESS);
            check(Native.tfe_context_new(MemorySegment.NULL, out));
            ctx = out.get(ADDRESS, 0);
            MemorySegment shape = arena.allocateFrom(JAVA_LONG, N, N);
            MemorySegment stub = Native.LINKER.upcallStub(MethodHandles.lookup().findStatic(OverheadBench.class,
                    "rawProvide", MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class,
                            MemorySegment.class, long.class, MemorySegment.class, long.class)),
                    Native.INPUT_FN, arena);
            check(Native.tfe_define_private_input(ctx, arena.allocateFrom("x"), arena.allocateFrom("input-provider"),
                    shape, 2, stub, MemorySegment.NULL, out));
            tensors[0] = out.get(ADDRESS, 0);
            check(Native.tfe_define_private_variable(ctx, arena.allocateFrom("w"), arena.allocateFrom("server0"),
                    ONES, N * N, shape, 2, out));
            tensors[1] = out.get(ADDRESS, 0);
            check(Native.tfe_matmul(ctx, tensors[0], tensors[1], out));
            tensors[2] = out.get(ADDRESS, 0);
            check(Native.tfe_reveal(ctx, tensors[2], MemorySegment.NULL, out));
            tensors[3] = out.get(ADDRESS, 0);
            MemorySegment options = new SessionOptions(transport, 10_000, 60_000).toNative(arena);
            check(Native.tfe_session_new_local_with_options(ctx, options, out));
            sess = out.get(ADDRESS, 0);
            fetches = arena.allocate(ADDRESS);
            fetches.set(ADDRESS, 0, tensors[3]);
        }

        double run() {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment out = call.allocate(ADDRESS);
                check(Native.tfe_session_run(sess, fetches, 1, out));
                MemorySegment result = out.get(ADDRESS, 0);
                MemorySegment data = call.allocate(ADDRESS);
                MemorySegment len = call.allocate(JAVA_LONG);
                check(Native.tfe_result_value(result, 0, data, len));
                // Copied out, as Result.values does (a caller of the C API reads its values too).
                double[] values = data.get(ADDRESS, 0).reinterpret(len.get(JAVA_LONG, 0) * Double.BYTES)
                        .toArray(JAVA_DOUBLE);
                Native.tfe_result_free(result);
                return values[0];
            }
        }

        @Override
        public void close() {
            Native.tfe_session_free(sess);
            for (MemorySegment t : tensors) {
                Native.tfe_tensor_free(t);
            }
            Native.tfe_context_free(ctx);
            arena.close();
        }

        private static void check(int status) {
            TfeException.check(status);
        }
    }

    static double seconds(DoubleSupplier run, List<Double> into) {
        long start = System.nanoTime();
        double value = run.getAsDouble();
        into.add((System.nanoTime() - start) / 1e9);
        return value;
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    /** The 1-minute load average (Linux), or "?". */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** The binding's side: the same graph through Context, Session and Result. */
    static final class Binding implements AutoCloseable {
        final Context ctx = new Context();
        final Tensor x;
        final Tensor w;
        final Tensor y;
        final Tensor revealed;
        final Session sess;

        Binding(Transport transport, double[] ones) {
            x = ctx.definePrivateInput("x", "input-provider", new long[] {N, N},
                    (name, shape, out) -> System.arraycopy(ones, 0, out, 0, out.length));
            w = ctx.definePrivateVariable("w", "server0", ones, new long[] {N, N});
            y = ctx.matmul(x, w);
            revealed = ctx.reveal(y, null);
            sess = ctx.newSession(new SessionOptions(transport, 10_000, 60_000));
        }

        double run() {
            try (Result result = sess.run(revealed)) {
                return result.values(0)[0];
            }
        }

        @Override
        public void close() {
            sess.close();
            for (Tensor t : new Tensor[] {revealed, y, w, x}) {
                t.close();
            }
            ctx.close();
        }
    }

    static final int BLOCKS = 10;

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Transport transport = args.length > 1 ? Transport.valueOf(args[1].toUpperCase(Locale.ROOT)) : Transport.TCP;
        double[] ones = new double[N * N];
        Arrays.fill(ones, 1.0);
        String loadBefore = loadAverage();
        try (Raw raw = new Raw(transport); Binding binding = new Binding(transport, ones)) {
            if (raw.run() != 64.0 || binding.run() != 64.0) {
                throw new AssertionError("a run did not compute 64.0");
            }
            for (int i = 0; i < Integer.getInteger("warmup", 3000); i++) { // warm up both (and the JIT)
                raw.run();
                binding.run();
            }
        }
        List<Double> rawTimes = new ArrayList<>();
        List<Double> bindingTimes = new ArrayList<>();
        double[] blocks = new double[BLOCKS];
        for (int block = 0; block < BLOCKS; block++) {
            // Fresh sessions per block, made in alternating order: on a loaded machine a
            // session's threads keep a lucky or unlucky place for as long as they live.
            Raw raw = null;
            Binding binding = null;
            try {
                if (block % 2 == 0) {
                    raw = new Raw(transport);
                    binding = new Binding(transport, ones);
                } else {
                    binding = new Binding(transport, ones);
                    raw = new Raw(transport);
                }
                for (int i = 0; i < 20; i++) {
                    raw.run();
                    binding.run();
                }
                List<Double> blockRaw = new ArrayList<>();
                List<Double> blockBinding = new ArrayList<>();
                for (int i = 0; i < Math.max(1, runs / BLOCKS); i++) {
                    // ABBA: each side runs first after the other half of the time.
                    if (i % 2 == 0) {
                        seconds(raw::run, blockRaw);
                        seconds(binding::run, blockBinding);
                    } else {
                        seconds(binding::run, blockBinding);
                        seconds(raw::run, blockRaw);
                    }
                }
                blocks[block] = median(blockBinding) / median(blockRaw);
                rawTimes.addAll(blockRaw);
                bindingTimes.addAll(blockBinding);
            } finally {
                if (binding != null) {
                    binding.close();
                }
                if (raw != null) {
                    raw.close();
                }
            }
        }
        Arrays.sort(blocks);
        double rawMs = median(rawTimes) * 1e3;
        double bindingMs = median(bindingTimes) * 1e3;
        System.out.printf(Locale.ROOT, "64x64 private matmul run, %s, %d alternating runs in %d blocks of fresh sessions:%n",
                transport.name().toLowerCase(Locale.ROOT), rawTimes.size(), BLOCKS);
        System.out.printf(Locale.ROOT, "  C API (raw FFM downcalls) %8.3f ms (median)%n", rawMs);
        System.out.printf(Locale.ROOT, "  Java binding              %8.3f ms%n", bindingMs);
        System.out.printf(Locale.ROOT, "  overhead                  %+7.1f %% (ratio of the medians)%n",
                100 * (bindingMs / rawMs - 1));
        System.out.printf(Locale.ROOT, "  per block: %+.1f %% to %+.1f %%, median %+.1f %%; load average %s before, %s after%n",
                100 * (blocks[0] - 1), 100 * (blocks[BLOCKS - 1] - 1), 100 * (blocks[BLOCKS / 2] - 1), loadBefore,
                loadAverage());
        double rawMin = rawTimes.stream().min(Double::compare).orElseThrow() * 1e3;
        double bindingMin = bindingTimes.stream().min(Double::compare).orElseThrow() * 1e3;
        System.out.printf(Locale.ROOT, "  fastest runs: C API %.3f ms, binding %.3f ms (%+.1f %%)%n", rawMin,
                bindingMin, 100 * (bindingMin / rawMin - 1));
    }
}
