// Private prediction in Java: a model owner, a client and three servers.
//
// The model owner holds a digits classifier (Dense 64-32, ReLU, Dense 32-10) whose weights it
// reads from CSV files; the client holds an 8x8 image of a handwritten digit. The weights are
// shared once among the servers, the client's image is shared at each prediction, the servers
// compute the logits on shares and reveal them to the client alone. All five players run on
// threads of this process over loopback TCP.
//
// Run from the repository root (see SeedMatmul.java for the build):
//
//   java --enable-native-access=ALL-UNNAMED -cp bindings/java/target/classes \
//        -Dtfe.library.path=target/release examples/java/PrivatePrediction.java [DATA_DIR]
//
// DATA_DIR defaults to examples/c/data/digits-mlp (the C example's data).

import io.tfe.Model;
import io.tfe.NdArray;
import io.tfe.Predictor;
import io.tfe.Result;
import java.util.StringJoiner;

public class PrivatePrediction {
    /** The values of the CSV file {@code name} in {@code dir}, which must hold {@code expected}. */
    static double[] load(String dir, String name, int expected) {
        try (NdArray array = NdArray.load(dir + "/" + name)) {
            double[] values = array.values();
            if (values.length != expected) {
                throw new IllegalArgumentException(name + " holds " + values.length + " values, expected " + expected);
            }
            return values;
        }
    }

    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    public static void main(String[] args) {
        String dir = args.length > 0 ? args[0] : "examples/c/data/digits-mlp";
        // The model owner: its weights, in plaintext, as a sequential model.
        try (Model model = new Model(new long[] {64})) {
            model.addDense(64, 32, load(dir, "w1.csv", 64 * 32), load(dir, "b1.csv", 32)).addRelu()
                    .addDense(32, 10, load(dir, "w2.csv", 32 * 10), load(dir, "b2.csv", 10));
            // The players: the owner, the client and server0..server2, for batches of one image.
            try (Predictor predictor = new Predictor(model, 1, "model-owner", "client", null)) {
                // The client: its image in, its logits out; nobody else learns either.
                double[] pixels = load(dir, "image.csv", 64);
                double[] logits = predictor.predict(pixels);
                StringJoiner line = new StringJoiner(" ", "the client learns the logits ", "");
                for (double logit : logits) {
                    line.add(String.format(java.util.Locale.ROOT, "%.3f", logit));
                }
                System.out.println(line);
                System.out.println("predicted class " + argmax(logits));
                // For the example only: nobody in a deployment holds both the weights and the image.
                double[] plain = model.predictPlain(pixels, 1);
                System.out.println("plaintext inference agrees: " + (argmax(plain) == argmax(logits) ? "yes" : "no"));
                try (Result stats = predictor.lastStats()) {
                    for (long i = 0; i < stats.playerCount(); i++) {
                        Result.PlayerStats s = stats.playerStats(i);
                        System.out.printf("%-12s sent %7d bytes in %3d rounds%n", s.name(), s.bytesSent(), s.rounds());
                    }
                }
            }
        }
    }
}
