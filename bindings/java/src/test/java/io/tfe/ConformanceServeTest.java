package io.tfe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The serving cases of tests/conformance/cases.json ("serve_cases", format in its README). */
class ConformanceServeTest {
    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> everyServeCase() throws Exception {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) ConformanceTest.cases().get("serve_cases");
        assertTrue(!cases.isEmpty(), "no serving case");
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("name"), () -> run(c)));
    }

    @SuppressWarnings("unchecked")
    private static void run(Map<String, Object> c) {
        String path = SymbolsTest.repoRoot().resolve((String) c.get("model")).toString();
        long maxBatch = ((Double) c.get("max_batch")).longValue();
        SessionOptions memory = SessionOptions.defaults().withTransport(Transport.MEMORY);
        try (Model model = Model.loadOnnx(path);
                Server server = new Server(model, "127.0.0.1:0", ServerOptions.defaults().withMaxBatch(maxBatch),
                        memory);
                Client client = new Client("127.0.0.1:" + server.port(), 30_000)) {
            assertEquals(maxBatch, client.inputShape()[0], "the input shape's batch");
            for (Map<String, Object> request : (List<Map<String, Object>>) c.get("requests")) {
                if (Boolean.TRUE.equals(request.get("reconnect"))) {
                    client.reconnect();
                    continue;
                }
                double[] x = ConformanceTest.doubles(((Map<String, Object>) request.get("input")).get("values"));
                if (request.get("status") != null) {
                    TfeException e = assertThrows(TfeException.class, () -> client.predictOutputs(x));
                    assertEquals(request.get("status"), e.status().cName(), e.getMessage());
                    continue;
                }
                ConformanceTest.checkOutputs(client.predictOutputs(x), (List<Map<String, Object>>) request.get("outputs"));
            }
        }
    }
}
