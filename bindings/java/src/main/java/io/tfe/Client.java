package io.tfe;

import java.lang.foreign.MemorySegment;

/**
 * A client of a {@link Server} ({@code tfe_client_t}), with one long-lived connection to each of
 * its servers: it sends each server one random-looking part of its input, so no server sees the
 * input or the prediction. Requests are answered in order. Thread-safe: requests from several
 * threads are serialized.
 */
public final class Client extends BatchPredictor {
    /**
     * Connects to the service at {@code address} ({@code host:port}); {@code timeoutMs} bounds
     * the connection and each answer.
     */
    public Client(String address, long timeoutMs) {
        super("Client", connect(address, timeoutMs), NativeServe::tfe_client_free);
        readSizes();
    }

    private static MemorySegment connect(String address, long timeoutMs) {
        return create((arena, out) -> NativeServe.tfe_client_connect(Strings.of(arena, address), timeoutMs, out));
    }

    /** The first output of the model for the samples {@code x} (row-major, batch first). */
    public double[] predict(double[] x) {
        return predictWith(NativeServe::tfe_client_predict, x);
    }

    /** Every output of the model for the samples {@code x}, in the model's order. */
    public double[][] predictOutputs(double[] x) {
        return predictOutputsWith(NativeServe::tfe_client_predict_outputs, x);
    }

    /**
     * Closes the connections and opens new ones to the same address: after a {@link Status#NETWORK}
     * or {@link Status#TIMEOUT} error, or a restart of the service.
     */
    public synchronized void reconnect() {
        call((client, arena) -> NativeServe.tfe_client_reconnect(client));
        readSizes();
    }

    // The shapes the library hands out live until a reconnection: reading one is synchronized
    // with reconnect().

    @Override
    public synchronized long[] inputShape() {
        return getShape(NativeServe::tfe_client_input_shape);
    }

    @Override
    public synchronized long outputCount() {
        return getLong((client, arena, out) -> NativeServe.tfe_client_output_count(client, out));
    }

    @Override
    public synchronized long[] outputShape(long index) {
        return getShape((client, shape, rank) -> NativeServe.tfe_client_output_shape_at(client, index, shape, rank));
    }
}
