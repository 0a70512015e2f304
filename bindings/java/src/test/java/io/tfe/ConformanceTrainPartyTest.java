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

    /** One player's evaluation loss and exported model (null except at carol). */
    record Outcome(double loss, Model exported) {}

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
            Model exported = trainer.export();
            trainer.finish();
            return new Outcome(loss, exported);
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
            }
        } finally {
            pool.shutdown();
        }
        try (Model exported = futures.get(3).get().exported()) {
            assertNotNull(exported);
            ConformanceTrainTest.checkWeights(c, exported);
        }
    }
}
