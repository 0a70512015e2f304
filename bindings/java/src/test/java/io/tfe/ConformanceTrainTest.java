package io.tfe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The training cases of tests/conformance/cases.json ("train_cases", format in its README). */
class ConformanceTrainTest {
    static long count(Map<String, Object> m, String key) {
        return ((Double) m.get(key)).longValue();
    }

    /** The Java enum constant of a header constant name: {@code TFE_LOSS_MSE} in {@code Loss}. */
    private static <E extends Enum<E>> E constant(Class<E> type, String prefix, Object name) {
        return Enum.valueOf(type, ((String) name).substring(prefix.length()));
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> everyTrainingCase() throws Exception {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) ConformanceTest.cases().get("train_cases");
        assertTrue(cases.size() >= 3, "only " + cases.size() + " training cases");
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> run(c)));
    }

    /** The case's model, layer by layer. */
    @SuppressWarnings("unchecked")
    static Model buildModel(Map<String, Object> c) {
        long[] shape = ((List<?>) c.get("input_shape")).stream().mapToLong(v -> ((Double) v).longValue()).toArray();
        Model model = new Model(shape);
        for (Map<String, Object> layer : (List<Map<String, Object>>) c.get("layers")) {
            switch ((String) layer.get("kind")) {
                case "dense" -> model.addDense(count(layer, "inputs"), count(layer, "units"),
                        ConformanceTest.doubles(layer.get("weights")), ConformanceTest.doubles(layer.get("bias")));
                case "sigmoid" -> model.addSigmoid();
                case "relu" -> model.addRelu();
                case "softmax" -> model.addSoftmax();
                default -> fail("the runner does not know layer " + layer.get("kind"));
            }
        }
        return model;
    }

    /** The defaults of the case's optimizer with the fields it sets. */
    @SuppressWarnings("unchecked")
    static Optimizer caseOptimizer(Map<String, Object> c) {
        Map<String, Object> o = (Map<String, Object>) c.get("optimizer");
        Optimizer d = Optimizer.defaults(constant(OptimizerKind.class, "TFE_OPTIMIZER_", o.get("kind")));
        return new Optimizer(d.kind(), constant(Schedule.class, "TFE_SCHEDULE_", o.get("schedule")),
                (Double) o.getOrDefault("learning_rate", d.learningRate()),
                (Double) o.getOrDefault("momentum", d.momentum()), (Double) o.getOrDefault("beta1", d.beta1()),
                (Double) o.getOrDefault("beta2", d.beta2()), (Double) o.getOrDefault("epsilon", d.epsilon()),
                (Double) o.getOrDefault("decay", d.decay()),
                o.containsKey("decay_steps") ? count(o, "decay_steps") : d.decaySteps());
    }

    static Loss caseLoss(Map<String, Object> c) {
        return constant(Loss.class, "TFE_LOSS_", c.get("loss"));
    }

    static Metrics caseMetrics(Map<String, Object> c) {
        return constant(Metrics.class, "TFE_METRICS_", c.get("metrics"));
    }

    /** The exported model's weights within the case's tolerance. */
    @SuppressWarnings("unchecked")
    static void checkWeights(Map<String, Object> c, Model exported) {
        Map<String, Object> expect = (Map<String, Object>) c.get("expect");
        double atol = (Double) expect.get("atol");
        List<Object> weights = (List<Object>) expect.get("weights");
        for (int i = 0; i < weights.size(); i++) {
            double[] want = ConformanceTest.doubles(weights.get(i));
            double[] got = exported.weight(i);
            assertEquals(want.length, got.length);
            for (int k = 0; k < want.length; k++) {
                assertEquals(want[k], got[k], atol, c.get("name") + ": weight " + i + " (" + expect.get("bound") + ")");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void run(Map<String, Object> c) {
        Map<String, Object> expect = (Map<String, Object>) c.get("expect");
        Trainer trainer;
        try (Model model = buildModel(c)) {
            trainer = new Trainer(model, "model-owner", "data-owner", "label-owner",
                    SessionOptions.defaults().withTransport(Transport.MEMORY));
        }
        try (trainer) {
            Optimizer opt = caseOptimizer(c);
            Loss loss = caseLoss(c);
            Metrics metrics = caseMetrics(c);
            if (expect.containsKey("status")) {
                assertEquals("compile", expect.get("step"));
                TfeException e = assertThrows(TfeException.class, () -> trainer.compile(opt, loss, metrics));
                assertEquals(expect.get("status"), e.status().cName(), e.getMessage());
                return;
            }
            trainer.compile(opt, loss, metrics);
            List<Double> losses = new ArrayList<>();
            trainer.fit(ConformanceTest.doubles(c.get("x")), ConformanceTest.doubles(c.get("y")), count(c, "epochs"), count(c, "batch_size"), null,
                    null, p -> {
                        if (p.batch() == p.batches()) {
                            losses.add(p.loss());
                        }
                        return true;
                    });
            if (Boolean.TRUE.equals(expect.get("loss_decreases"))) {
                assertTrue(losses.get(losses.size() - 1) < losses.get(0), losses.toString());
            }
            try (Model exported = trainer.export()) {
                checkWeights(c, exported);
            }
        }
    }
}
