package io.tfe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first training case of tests/conformance/cases.json trained by six players of a hostmap,
 * one thread each over plaintext TCP (format in its README): carol owns the model, alice the
 * features, bob the labels; only carol receives the loss and the weights.
 */
class ConformanceTrainPartyTest {
    static final String[] PLAYERS = {"server0", "server1", "server2", "carol", "alice", "bob"};

    /** One player's evaluation loss, predictions of 4 samples and exported model (null except at carol). */
    record Outcome(double loss, double[] predicted, Model exported) {}

    @SuppressWarnings("unchecked")
    private static Outcome play(Map<String, Object> c, Path hostmap, String me) {
        double[] x = me.equals("alice") ? ConformanceTest.doubles(c.get("x")) : null;
        double[] y = me.equals("bob") ? ConformanceTest.doubles(c.get("y")) : null;
        long units = ConformanceTrainTest.count(((List<Map<String, Object>>) c.get("layers")).get(0), "units");
        long samples = ((List<?>) c.get("y")).size() / units;
        Trainer trainer;
        try (Model model = ConformanceTrainTest.buildModel(c)) {
            trainer = Trainer.partyInsecurePlaintext(model, hostmap.toString(), me, "carol", "alice", "bob");
        }
        try (trainer) {
            trainer.compile(ConformanceTrainTest.caseOptimizer(c), ConformanceTrainTest.caseLoss(c),
                    ConformanceTrainTest.caseMetrics(c));
            trainer.fitParty(samples, x, y, ConformanceTrainTest.count(c, "epochs"),
                    ConformanceTrainTest.count(c, "batch_size"), null);
            double loss = trainer.evaluateParty(samples, x, y)[0];
            double[] x4 = x == null ? null : java.util.Arrays.copyOf(x, (int) (4 * x.length / samples));
            double[] predicted = trainer.predictParty(4, x4, me.equals("carol") ? 4 : 0);
            Model exported = trainer.export();
            trainer.finish();
            return new Outcome(loss, predicted, exported);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theFirstTrainingCasePassesAsSixDeployedPlayers(@TempDir Path dir) throws Exception {
        Map<String, Object> c = ((List<Map<String, Object>>) ConformanceTest.cases().get("train_cases")).get(0);
        Path hostmap = PartyTest.writeHostmap(dir, PLAYERS);
        ExecutorService pool = Executors.newFixedThreadPool(PLAYERS.length);
        List<Future<Outcome>> futures = new ArrayList<>();
        try {
            for (String me : PLAYERS) {
                futures.add(pool.submit(() -> play(c, hostmap, me)));
            }
            for (int i = 0; i < PLAYERS.length; i++) {
                Outcome o = futures.get(i).get();
                boolean owner = PLAYERS[i].equals("carol");
                assertEquals(owner, o.exported() != null, PLAYERS[i] + " received the weights");
                assertEquals(owner, !Double.isNaN(o.loss()), PLAYERS[i] + "'s loss " + o.loss());
                assertEquals(owner, o.predicted() != null, PLAYERS[i] + " received predictions");
            }
        } finally {
            pool.shutdown();
        }
        Outcome carol = futures.get(3).get();
        try (Model exported = carol.exported()) {
            assertNotNull(exported);
            ConformanceTrainTest.checkWeights(c, exported);
            // carol's predictions: the sigmoid of her trained weights' logits.
            double[] w = exported.weight(0);
            double[] b = exported.weight(1);
            double[] x = ConformanceTest.doubles(c.get("x"));
            for (int i = 0; i < 4; i++) {
                double want = 1 / (1 + Math.exp(-(x[2 * i] * w[0] + x[2 * i + 1] * w[1] + b[0])));
                assertEquals(want, carol.predicted()[i], 0.01, "prediction " + i);
            }
        }
    }
}
