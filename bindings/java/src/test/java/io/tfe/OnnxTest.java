package io.tfe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Models imported from ONNX files: shapes of several outputs, every output of a prediction, errors. */
class OnnxTest {
    private static final Path MODELS = SymbolsTest.repoRoot().resolve("tests/onnx/models");

    @Test
    void aModelFromBytesGivesEveryOutput() throws Exception {
        SessionOptions memory = SessionOptions.defaults().withTransport(Transport.MEMORY);
        try (Model model = Model.loadOnnx(Files.readAllBytes(MODELS.resolve("sklearn_logreg.onnx")));
                Predictor predictor = new Predictor(model, 2, "model-owner", "client", memory)) {
            assertEquals(2, model.outputCount());
            assertArrayEquals(new long[] {}, model.outputShape(0));
            assertArrayEquals(new long[] {10}, model.outputShape(1));
            assertEquals(2, predictor.outputCount());
            assertArrayEquals(new long[] {2, 10}, predictor.outputShape(1));
            double[][] outputs = predictor.predictOutputs(new double[64]);
            assertEquals(1, outputs[0].length);
            assertEquals(10, outputs[1].length);
            assertArrayEquals(outputs[0], predictor.predict(new double[64]));
        }
    }

    @Test
    void errorsNameTheFileAndTheNode() throws Exception {
        try (Model model = Model.loadOnnx(MODELS.resolve("keras_cnn.onnx").toString())) {
            assertArrayEquals(new long[] {8, 8, 1}, model.inputShape());
            TfeException e = assertThrows(TfeException.class, model::addRelu);
            assertTrue(e.getMessage().contains("imported from ONNX"), e.getMessage());
            e = assertThrows(TfeException.class, () -> model.outputShape(1));
            assertTrue(e.getMessage().contains("index 1 is past the last output"), e.getMessage());
        }
        TfeException e = assertThrows(TfeException.class, () -> Model.loadOnnx(MODELS.resolve("missing.onnx").toString()));
        assertEquals(Status.INVALID_ARGUMENT, e.status());
        assertTrue(e.getMessage().contains("missing.onnx"), e.getMessage());
        // Every "Relu" renamed "Relq": a well-formed model with a node nobody supports.
        byte[] keras = Files.readAllBytes(MODELS.resolve("keras_cnn.onnx"));
        String text = new String(keras, StandardCharsets.ISO_8859_1).replace("Relu", "Relq");
        e = assertThrows(TfeException.class, () -> Model.loadOnnx(text.getBytes(StandardCharsets.ISO_8859_1)));
        assertTrue(e.getMessage().contains("'sequential_1/re_lu_1/Relq' (Relq)"), e.getMessage());
    }
}
