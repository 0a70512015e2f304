package io.tfe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every case of tests/conformance/cases.json (format: tests/conformance/README.md) through
 * the Java API: one behaviour in every language.
 */
class ConformanceTest {
    @FunctionalInterface
    interface OpFn {
        Tensor apply(Context ctx, Tensor[] x, Attrs a);
    }

    /** A step's attributes by their C parameter names. */
    record Attrs(Map<String, Object> map) {
        long integer(String name) {
            return ((Double) map.get(name)).longValue();
        }

        double real(String name) {
            return (Double) map.get(name);
        }

        String str(String name) {
            return (String) map.get(name);
        }

        long[] longs(String name) {
            Object v = map.get(name);
            return v == null ? null : ((List<?>) v).stream().mapToLong(o -> ((Double) o).longValue()).toArray();
        }

        <E extends Enum<E>> E constant(String name, Class<E> type, String prefix) {
            return Enum.valueOf(type, str(name).substring(prefix.length()));
        }
    }

    static final Map<String, OpFn> OPS = new HashMap<>();

    private static void unary(String name, java.util.function.BiFunction<Context, Tensor, Tensor> f) {
        OPS.put(name, (c, x, a) -> f.apply(c, x[0]));
    }

    private interface Bin {
        Tensor apply(Context c, Tensor x, Tensor y);
    }

    private static void binary(String name, Bin f) {
        OPS.put(name, (c, x, a) -> f.apply(c, x[0], x[1]));
    }

    private interface WithAxis {
        Tensor apply(Context c, Tensor x, long axis);
    }

    private static void axis(String name, WithAxis f) {
        OPS.put(name, (c, x, a) -> f.apply(c, x[0], a.integer("axis")));
    }

    static {
        binary("tfe_add", Context::add);
        binary("tfe_sub", Context::sub);
        binary("tfe_mul", Context::mul);
        binary("tfe_matmul", Context::matmul);
        binary("tfe_assign", Context::assign);
        binary("tfe_less", Context::less);
        binary("tfe_less_equal", Context::lessEqual);
        binary("tfe_greater", Context::greater);
        binary("tfe_greater_equal", Context::greaterEqual);
        binary("tfe_equal", Context::equal);
        binary("tfe_maximum", Context::maximum);
        binary("tfe_minimum", Context::minimum);
        unary("tfe_neg", Context::neg);
        unary("tfe_square", Context::square);
        unary("tfe_abs", Context::abs);
        unary("tfe_reduce_sum", Context::reduceSum);
        unary("tfe_reduce_mean", Context::reduceMean);
        unary("tfe_relu", Context::relu);
        unary("tfe_sigmoid", Context::sigmoid);
        unary("tfe_hard_sigmoid", Context::hardSigmoid);
        unary("tfe_exp", Context::exp);
        unary("tfe_reciprocal", Context::reciprocal);
        unary("tfe_inv_sqrt", Context::invSqrt);
        unary("tfe_softmax", Context::softmax);
        unary("tfe_tanh", Context::tanh);
        unary("tfe_log", Context::log);
        unary("tfe_sqrt", Context::sqrt);
        unary("tfe_flatten", Context::flatten);
        unary("tfe_global_avg_pool2d", Context::globalAvgPool2d);
        axis("tfe_reduce_sum_axis", Context::reduceSum);
        axis("tfe_reduce_mean_axis", Context::reduceMean);
        axis("tfe_reduce_max", Context::reduceMax);
        axis("tfe_reduce_min", Context::reduceMin);
        axis("tfe_argmax", Context::argmax);
        axis("tfe_argmin", Context::argmin);
        axis("tfe_argmax_one_hot", Context::argmaxOneHot);
        axis("tfe_expand_dims", Context::expandDims);
        axis("tfe_squeeze", Context::squeeze);
        OPS.put("tfe_select", (c, x, a) -> c.select(x[0], x[1], x[2]));
        OPS.put("tfe_concat", (c, x, a) -> c.concat(x[0], x[1], a.integer("axis")));
        OPS.put("tfe_reveal", (c, x, a) -> c.reveal(x[0], a.str("to")));
        OPS.put("tfe_div_public", (c, x, a) -> c.divPublic(x[0], a.real("divisor")));
        OPS.put("tfe_transpose", (c, x, a) -> c.transpose(x[0], a.longs("perm")));
        OPS.put("tfe_reshape", (c, x, a) -> c.reshape(x[0], a.longs("shape")));
        OPS.put("tfe_pad", (c, x, a) -> c.pad(x[0], a.longs("pads")));
        OPS.put("tfe_slice", (c, x, a) -> c.slice(x[0], a.longs("begin"), a.longs("size")));
        OPS.put("tfe_gather", (c, x, a) -> c.gather(x[0], a.longs("indices"), a.integer("axis")));
        OPS.put("tfe_cumsum", (c, x, a) -> c.cumsum(x[0], a.integer("axis"),
                a.constant("mode", CumsumMode.class, "TFE_CUMSUM_")));
        OPS.put("tfe_sort", (c, x, a) -> c.sort(x[0], a.integer("axis"),
                a.constant("order", SortOrder.class, "TFE_SORT_")));
        OPS.put("tfe_conv2d", (c, x, a) -> c.conv2d(x[0], x[1], a.integer("stride_h"), a.integer("stride_w"),
                a.constant("padding", Padding.class, "TFE_PADDING_")));
        OPS.put("tfe_pool2d", (c, x, a) -> c.pool2d(x[0], a.constant("pool", Pool.class, "TFE_POOL_"),
                a.integer("window_h"), a.integer("window_w"), a.integer("stride_h"), a.integer("stride_w"),
                a.constant("padding", Padding.class, "TFE_PADDING_")));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cases() throws Exception {
        String text = Files.readString(SymbolsTest.repoRoot().resolve("tests/conformance/cases.json"));
        Map<String, Object> file = (Map<String, Object>) Json.parse(text);
        assertEquals(1.0, file.get("format"));
        return file;
    }

    static long[] longs(Object list) {
        return ((List<?>) list).stream().mapToLong(o -> ((Double) o).longValue()).toArray();
    }

    static double[] doubles(Object list) {
        return ((List<?>) list).stream().mapToDouble(o -> (Double) o).toArray();
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> everyCase() throws Exception {
        Map<String, Object> file = cases();
        Map<String, Object> cfg = (Map<String, Object>) file.get("config");
        Config defaults = Config.defaults();
        Config config = new Config(((Double) cfg.get("frac_bits")).intValue(), ((Double) cfg.get("int_bits")).intValue(),
                defaults.comparison());
        List<Map<String, Object>> cases = (List<Map<String, Object>>) file.get("cases");
        assertTrue(cases.size() >= 25, "only " + cases.size() + " cases");
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> runCase(config, c)));
    }

    @SuppressWarnings("unchecked")
    private static void runCase(Config config, Map<String, Object> c) {
        Map<String, Object> expect = (Map<String, Object>) c.get("expect");
        Map<String, Tensor> tensors = new HashMap<>();
        try (Context ctx = new Context(config)) {
            String failedStep = null;
            TfeException failure = null;
            for (Map<String, Object> step : (List<Map<String, Object>>) c.get("steps")) {
                String id = (String) step.get("id");
                try {
                    tensors.put(id, define(ctx, step, tensors));
                } catch (TfeException e) {
                    failedStep = id;
                    failure = e;
                    break;
                }
            }
            if (expect.containsKey("status") && expect.get("step") != null) {
                assertEquals(expect.get("step"), failedStep, "the step that fails (" + failure + ")");
                assertEquals(expect.get("status"), failure.status().cName(), failure.getMessage());
                return;
            }
            if (failure != null) {
                fail("step " + failedStep + " failed", failure);
            }
            Tensor[] fetches = ((List<String>) c.get("fetch")).stream().map(tensors::get).toArray(Tensor[]::new);
            SessionOptions memory = SessionOptions.defaults().withTransport(Transport.MEMORY);
            try (Session sess = ctx.newSession(memory)) {
                if (expect.containsKey("status")) {
                    TfeException e = assertThrows(TfeException.class, () -> sess.run(fetches).close());
                    assertEquals(expect.get("status"), e.status().cName(), e.getMessage());
                    return;
                }
                Map<String, Map<String, Object>> values = (Map<String, Map<String, Object>>) expect.get("values");
                try (Result result = sess.run(fetches)) {
                    List<String> fetch = (List<String>) c.get("fetch");
                    for (int i = 0; i < fetch.size(); i++) {
                        Map<String, Object> want = values.get(fetch.get(i));
                        assertArrayEquals(longs(want.get("shape")), result.shape(i), fetch.get(i) + ": shape");
                        double[] expected = doubles(want.get("values"));
                        double atol = (Double) want.get("atol") + 1e-12;
                        double[] got = result.values(i);
                        assertEquals(expected.length, got.length);
                        for (int j = 0; j < got.length; j++) {
                            if (Math.abs(got[j] - expected[j]) > atol) {
                                fail(fetch.get(i) + "[" + j + "] = " + got[j] + ", want " + expected[j] + " within "
                                        + atol + " (" + want.get("bound") + ")");
                            }
                        }
                    }
                }
            }
        } finally {
            tensors.values().forEach(Tensor::close);
        }
    }

    @SuppressWarnings("unchecked")
    private static Tensor define(Context ctx, Map<String, Object> step, Map<String, Tensor> tensors) {
        String define = (String) step.get("define");
        String id = (String) step.get("id");
        if (define == null) {
            OpFn op = OPS.get((String) step.get("op"));
            assertNotNull(op, "no Java method for " + step.get("op"));
            Tensor[] args = ((List<String>) step.get("args")).stream().map(tensors::get).toArray(Tensor[]::new);
            Map<String, Object> attrs = (Map<String, Object>) step.getOrDefault("attrs", Map.of());
            return op.apply(ctx, args, new Attrs(attrs));
        }
        long[] shape = longs(step.get("shape"));
        double[] values = doubles(step.get("values"));
        return switch (define) {
            case "private_input" -> ctx.definePrivateInput(id, (String) step.get("owner"), shape,
                    InputProvider.of(values));
            case "private_variable" -> ctx.definePrivateVariable(id, (String) step.get("owner"), values, shape);
            case "constant" -> ctx.defineConstant(values, shape);
            default -> throw new AssertionError("unknown definition " + define);
        };
    }

    /** Every model case: the ONNX file predicts its samples in one batch, each output within its tolerance. */
    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> everyModelCase() throws Exception {
        List<Map<String, Object>> models = (List<Map<String, Object>>) cases().get("models");
        assertTrue(models.size() >= 4, "only " + models.size() + " model cases");
        return models.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> runModelCase(c)));
    }

    @SuppressWarnings("unchecked")
    private static void runModelCase(Map<String, Object> c) {
        Map<String, Object> input = (Map<String, Object>) c.get("input");
        List<Map<String, Object>> wants = (List<Map<String, Object>>) c.get("outputs");
        String path = SymbolsTest.repoRoot().resolve((String) c.get("model")).toString();
        SessionOptions memory = SessionOptions.defaults().withTransport(Transport.MEMORY);
        try (Model model = Model.loadOnnx(path);
                Predictor predictor = new Predictor(model, longs(input.get("shape"))[0], "model-owner", "client",
                        memory)) {
            checkOutputs(predictor.predictOutputs(doubles(input.get("values"))), wants);
        }
    }

    /** Each output within its tolerance of the case's. */
    static void checkOutputs(double[][] outputs, List<Map<String, Object>> wants) {
        assertEquals(wants.size(), outputs.length, "outputs");
        for (int i = 0; i < outputs.length; i++) {
            double[] expected = doubles(wants.get(i).get("values"));
            double atol = (Double) wants.get(i).get("atol") + 1e-12;
            assertEquals(expected.length, outputs[i].length, "output " + i);
            for (int j = 0; j < expected.length; j++) {
                if (Math.abs(outputs[i][j] - expected[j]) > atol) {
                    fail("output " + i + "[" + j + "] = " + outputs[i][j] + ", want " + expected[j] + " within "
                            + atol + " (" + wants.get(i).get("bound") + ")");
                }
            }
        }
    }

    /** Every operation of the header has a method in the table, and all but tfe_assign a case. */
    @Test
    @SuppressWarnings("unchecked")
    void everyOperationHasAMethodAndACase() throws Exception {
        String header = Files.readString(SymbolsTest.repoRoot().resolve("include/tfe.h"));
        Matcher m = Pattern.compile("tfe_status_t (tfe_\\w+)\\(struct tfe_context_t \\*ctx,").matcher(header);
        TreeSet<String> ops = new TreeSet<>();
        while (m.find()) {
            ops.add(m.group(1));
        }
        ops.removeIf(name -> name.startsWith("tfe_define_") || name.equals("tfe_context_save"));
        assertTrue(ops.size() > 40, ops.toString());
        TreeSet<String> used = new TreeSet<>();
        for (Map<String, Object> c : (List<Map<String, Object>>) cases().get("cases")) {
            for (Map<String, Object> step : (List<Map<String, Object>>) c.get("steps")) {
                if (step.get("op") != null) {
                    used.add((String) step.get("op"));
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (String op : ops) {
            if (!OPS.containsKey(op) || (!used.contains(op) && !op.equals("tfe_assign"))) {
                missing.add(op);
            }
        }
        assertEquals(List.of(), missing);
    }
}
