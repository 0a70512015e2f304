// The seed program of TF Encrypted, in Java: a private 5x10 input from an input provider
// times a private 10x10 variable of ones held by server0, revealed to the servers: a 5x10
// matrix of 10.0. Prints it and what the run cost each player.
//
// Run from the repository root, after `cargo build --release` and
// `mvn -q -f bindings/java/pom.xml compile` (JDK 22 or later):
//
//   java --enable-native-access=ALL-UNNAMED -cp bindings/java/target/classes \
//        -Dtfe.library.path=target/release examples/java/SeedMatmul.java

import io.tfe.Context;
import io.tfe.Result;
import io.tfe.Session;
import io.tfe.Tensor;
import java.util.Arrays;
import java.util.StringJoiner;

public class SeedMatmul {
    public static void main(String[] args) {
        double[] ones = new double[100];
        Arrays.fill(ones, 1.0);
        try (Context ctx = new Context(); // ABY3, default fixed point
                // w's values stay in this process, for its owner: the graph holds its shape.
                Tensor w = ctx.definePrivateVariable("w", "server0", ones, new long[] {10, 10});
                // The provider runs at the input provider only, on a library thread.
                Tensor x = ctx.definePrivateInput("x", "input-provider", new long[] {5, 10},
                        (name, shape, out) -> Arrays.fill(out, 1.0));
                Tensor y = ctx.matmul(x, w);
                Tensor revealed = ctx.reveal(y, null); // to every server
                Session sess = ctx.newSession(); // every player on a thread of this process
                Result result = sess.run(revealed)) {
            long[] shape = result.shape(0);
            double[] values = result.values(0);
            for (int i = 0; i < shape[0]; i++) {
                StringJoiner row = new StringJoiner(" ");
                for (int j = 0; j < shape[1]; j++) {
                    row.add(String.format(java.util.Locale.ROOT, "%.1f", values[(int) (i * shape[1] + j)]));
                }
                System.out.println(row);
            }
            System.out.printf("%-18s %12s %9s %7s %11s%n", "player", "bytes sent", "messages", "rounds", "wall time");
            for (long i = 0; i < result.playerCount(); i++) {
                Result.PlayerStats s = result.playerStats(i);
                System.out.printf("%-18s %12d %9d %7d %8.3f ms%n", s.name(), s.bytesSent(), s.messagesSent(),
                        s.rounds(), s.wallTimeNs() / 1e6);
            }
        }
    }
}
