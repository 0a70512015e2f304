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
 * of the medians is the overhead. The machine is shared: the runs are also cut into 10 blocks,
 * and the spread of the blocks' ratios is printed with the load average before and after. Not a
 * test (Surefire runs *Test classes only); run it with:
 *
 * <pre>
 * mvn -q -f bindings/java/pom.xml test-compile
 * $JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED -Dtfe.library.path=target/release \
 *     -cp bindings/java/target/classes:bindings/java/target/test-classes io.tfe.OverheadBench [runs] [tcp|memory]
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

    /** The ratio of the medians within each of {@code n} consecutive blocks of runs, sorted. */
    static double[] blockRatios(List<Double> raw, List<Double> binding, int n) {
        int size = Math.max(1, raw.size() / n);
        double[] ratios = new double[n];
        for (int b = 0; b < n; b++) {
            ratios[b] = median(binding.subList(b * size, (b + 1) * size)) / median(raw.subList(b * size, (b + 1) * size));
        }
        Arrays.sort(ratios);
        return ratios;
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Transport transport = args.length > 1 ? Transport.valueOf(args[1].toUpperCase(Locale.ROOT)) : Transport.TCP;
        double[] ones = new double[N * N];
        Arrays.fill(ones, 1.0);
        try (Raw raw = new Raw(transport); Context ctx = new Context();
                Tensor x = ctx.definePrivateInput("x", "input-provider", new long[] {N, N},
                        (name, shape, out) -> System.arraycopy(ones, 0, out, 0, out.length));
                Tensor w = ctx.definePrivateVariable("w", "server0", ones, new long[] {N, N});
                Tensor y = ctx.matmul(x, w); Tensor revealed = ctx.reveal(y, null);
                Session sess = ctx.newSession(new SessionOptions(transport, 10_000, 60_000))) {
            DoubleSupplier binding = () -> {
                try (Result result = sess.run(revealed)) {
                    return result.values(0)[0];
                }
            };
            if (raw.run() != 64.0 || binding.getAsDouble() != 64.0) {
                throw new AssertionError("a run did not compute 64.0");
            }
            List<Double> rawTimes = new ArrayList<>();
            List<Double> bindingTimes = new ArrayList<>();
            String loadBefore = loadAverage();
            for (int i = 0; i < Integer.getInteger("warmup", 3000); i++) { // warm up both (and the JIT)
                raw.run();
                binding.getAsDouble();
            }
            for (int i = 0; i < runs; i++) {
                // ABBA: each side runs first after the other half of the time.
                if (i % 2 == 0) {
                    seconds(raw::run, rawTimes);
                    seconds(binding, bindingTimes);
                } else {
                    seconds(binding, bindingTimes);
                    seconds(raw::run, rawTimes);
                }
            }
            double rawMs = median(rawTimes) * 1e3;
            double bindingMs = median(bindingTimes) * 1e3;
            System.out.printf(Locale.ROOT, "64x64 private matmul run, %s, median of %d alternating runs:%n",
                    transport.name().toLowerCase(Locale.ROOT), runs);
            System.out.printf(Locale.ROOT, "  C API (raw FFM downcalls) %8.3f ms%n", rawMs);
            System.out.printf(Locale.ROOT, "  Java binding              %8.3f ms%n", bindingMs);
            System.out.printf(Locale.ROOT, "  overhead                  %+7.1f %%%n", 100 * (bindingMs / rawMs - 1));
            double[] blocks = blockRatios(rawTimes, bindingTimes, 10);
            System.out.printf(Locale.ROOT,
                    "  overhead in 10 blocks of %d runs: %+.1f %% to %+.1f %% (median %+.1f %%); load average %s before, "
                            + "%s after%n",
                    runs / 10, 100 * (blocks[0] - 1), 100 * (blocks[blocks.length - 1] - 1),
                    100 * (blocks[blocks.length / 2] - 1), loadBefore,
                    loadAverage());
            double rawMin = rawTimes.stream().min(Double::compare).orElseThrow() * 1e3;
            double bindingMin = bindingTimes.stream().min(Double::compare).orElseThrow() * 1e3;
            System.out.printf(Locale.ROOT, "  fastest runs: C API %.3f ms, binding %.3f ms (%+.1f %%)%n", rawMin,
                    bindingMin, 100 * (bindingMin / rawMin - 1));
        }
    }
}
