package io.tfe;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;

/**
 * A model trained privately ({@code tfe_trainer_t}) by a model owner (the weights), a data
 * owner (the features) and a label owner (the labels), every player on threads of this
 * process. One call at a time: a call while another runs fails with
 * {@link Status#INVALID_ARGUMENT}.
 */
public final class Trainer extends Handle {
    private static final MethodHandle PROGRESS = Native.upcallTarget(MethodHandles.lookup(), "progress",
            MethodType.methodType(int.class, Listener.class, MemorySegment.class, MemorySegment.class));

    // The fields of tfe_train_progress_t, read after every batch.
    private static final VarHandle EPOCH = Layouts.field(Native.TRAIN_PROGRESS, "epoch");
    private static final VarHandle EPOCHS = Layouts.field(Native.TRAIN_PROGRESS, "epochs");
    private static final VarHandle BATCH = Layouts.field(Native.TRAIN_PROGRESS, "batch");
    private static final VarHandle BATCHES = Layouts.field(Native.TRAIN_PROGRESS, "batches");
    private static final VarHandle LOSS = Layouts.field(Native.TRAIN_PROGRESS, "loss");
    private static final VarHandle ACCURACY = Layouts.field(Native.TRAIN_PROGRESS, "accuracy");
    private static final VarHandle VAL_LOSS = Layouts.field(Native.TRAIN_PROGRESS, "val_loss");
    private static final VarHandle VAL_ACCURACY = Layouts.field(Native.TRAIN_PROGRESS, "val_accuracy");
    private static final VarHandle ELAPSED_SECONDS = Layouts.field(Native.TRAIN_PROGRESS, "elapsed_seconds");
    private static final VarHandle ETA_SECONDS = Layouts.field(Native.TRAIN_PROGRESS, "eta_seconds");

    /**
     * A trainer of {@code model}'s layers ({@code tfe_trainer_new_local}), with {@code options}
     * (null: the defaults). The model may be closed afterwards: the trainer keeps a copy.
     */
    public Trainer(Model model, String modelOwner, String dataOwner, String labelOwner, SessionOptions options) {
        this(newTrainer(model, modelOwner, dataOwner, labelOwner, options));
    }

    private Trainer(MemorySegment trainer) {
        super("Trainer", trainer, NativeTrain::tfe_trainer_free, null);
    }

    /**
     * This process as player {@code me} of a deployed training ({@code tfe_trainer_new_party}):
     * the players of the hostmap file {@code hostmap}, over TLS with {@code me}'s private key
     * file {@code keyPath}. Every player makes the same trainer with the same players, compiles
     * it the same way and calls {@link #fitParty} with the same sample count; then
     * {@link #export} (the model owner gets the model, the others null) and {@link #finish}.
     */
    public static Trainer party(Model model, String hostmap, String me, String keyPath, String modelOwner,
            String dataOwner, String labelOwner) {
        return new Trainer(model.getAddress((m, arena, out) -> NativeTrain.tfe_trainer_new_party(m,
                Strings.of(arena, hostmap), Strings.of(arena, me), Strings.of(arena, keyPath),
                Strings.of(arena, modelOwner), Strings.of(arena, dataOwner), Strings.of(arena, labelOwner), out)));
    }

    /**
     * {@link #party} over plaintext TCP ({@code tfe_trainer_new_party_insecure_plaintext}): for
     * tests and isolated networks only.
     */
    public static Trainer partyInsecurePlaintext(Model model, String hostmap, String me, String modelOwner,
            String dataOwner, String labelOwner) {
        return new Trainer(model.getAddress((m, arena, out) -> NativeTrain.tfe_trainer_new_party_insecure_plaintext(
                m, Strings.of(arena, hostmap), Strings.of(arena, me), Strings.of(arena, modelOwner),
                Strings.of(arena, dataOwner), Strings.of(arena, labelOwner), out)));
    }

    private static MemorySegment newTrainer(Model model, String modelOwner, String dataOwner, String labelOwner,
            SessionOptions options) {
        return model.getAddress((m, arena, out) -> NativeTrain.tfe_trainer_new_local(m, Strings.of(arena, modelOwner),
                Strings.of(arena, dataOwner), Strings.of(arena, labelOwner),
                options == null ? MemorySegment.NULL : options.toNative(arena), out));
    }

    /**
     * For tests only, insecure: the players' randomness comes from {@code seed}, so two
     * trainings give the same weights, and anyone who knows it can undo the sharing
     * ({@code tfe_trainer_set_insecure_test_seed}). Before {@link #compile}.
     */
    public void setInsecureTestSeed(long seed) {
        call((t, arena) -> NativeTrain.tfe_trainer_set_insecure_test_seed(t, seed));
    }

    /** Sets the optimizer, the loss and the metrics ({@code tfe_trainer_compile}). */
    public void compile(Optimizer optimizer, Loss loss, Metrics metrics) {
        call((t, arena) -> NativeTrain.tfe_trainer_compile(t, optimizer.toNative(arena), loss.ordinal(),
                metrics.ordinal()));
    }

    /** One fit's listener and what stopped it. */
    private static final class Listener {
        final ProgressListener listener;
        Throwable thrown;

        Listener(ProgressListener listener) {
            this.listener = listener;
        }
    }

    /** The {@code tfe_train_progress_fn}: never lets an exception reach the library. */
    private static int progress(Listener l, MemorySegment userData, MemorySegment report) {
        try {
            MemorySegment p = report.reinterpret(Native.TRAIN_PROGRESS.byteSize());
            TrainProgress progress = new TrainProgress((long) EPOCH.get(p), (long) EPOCHS.get(p), (long) BATCH.get(p),
                    (long) BATCHES.get(p), (double) LOSS.get(p), (double) ACCURACY.get(p), (double) VAL_LOSS.get(p),
                    (double) VAL_ACCURACY.get(p), (double) ELAPSED_SECONDS.get(p), (double) ETA_SECONDS.get(p));
            return l.listener.onProgress(progress) ? 0 : 1;
        } catch (Throwable t) {
            l.thrown = t;
            return 1;
        }
    }

    /**
     * Trains for {@code epochs} passes over {@code x} (whole samples, batch first) with labels
     * {@code y}, {@code batchSize} samples per step ({@code tfe_trainer_fit}); with {@code valX}
     * and {@code valY} (null for none) evaluated after each epoch; {@code listener} (null: none)
     * after each batch. An exception of the listener is thrown again here (as a
     * {@link RuntimeException}'s cause when it is checked), the library's
     * {@link Status#ABORTED} exception suppressed in it.
     */
    public void fit(double[] x, double[] y, long epochs, long batchSize, double[] valX, double[] valY,
            ProgressListener listener) {
        fitWith(listener, (trainer, arena, stub) -> {
            MemorySegment vx = valX == null ? MemorySegment.NULL : Context.doubles(arena, valX);
            MemorySegment vy = valY == null ? MemorySegment.NULL : Context.doubles(arena, valY);
            return NativeTrain.tfe_trainer_fit(trainer, Context.doubles(arena, x), x.length, Context.doubles(arena, y),
                    y.length, epochs, batchSize, vx, valX == null ? 0 : valX.length, vy,
                    valY == null ? 0 : valY.length, stub, MemorySegment.NULL);
        });
    }

    /**
     * {@link #fit} at one player of a deployment ({@code tfe_trainer_fit_party}): every player
     * passes the same {@code samples}; the data owner its features {@code x}, the label owner its
     * labels {@code y}, the others null for what they do not own. The listener's losses are the
     * model owner's (NaN elsewhere).
     */
    public void fitParty(long samples, double[] x, double[] y, long epochs, long batchSize,
            ProgressListener listener) {
        fitWith(listener, (trainer, arena, stub) -> NativeTrain.tfe_trainer_fit_party(trainer, samples,
                orNull(arena, x), x == null ? 0 : x.length, orNull(arena, y), y == null ? 0 : y.length, epochs,
                batchSize, stub, MemorySegment.NULL));
    }

    /** A C fit: (trainer, arena, the progress stub or NULL) -> status. */
    @FunctionalInterface
    private interface Fit {
        int call(MemorySegment trainer, Arena arena, MemorySegment stub);
    }

    /** Runs {@code fit} with {@code listener}'s stub, rethrowing what the listener threw. */
    private void fitWith(ProgressListener listener, Fit fit) {
        Listener l = listener == null ? null : new Listener(listener);
        MemorySegment trainer = acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stub = l == null ? MemorySegment.NULL
                    : Native.LINKER.upcallStub(MethodHandles.insertArguments(PROGRESS, 0, l), Native.PROGRESS_FN, arena);
            int status = fit.call(trainer, arena, stub);
            try {
                TfeException.check(status);
            } catch (TfeException e) {
                if (l != null && l.thrown != null) {
                    l.thrown.addSuppressed(e);
                    if (l.thrown instanceof RuntimeException r) {
                        throw r;
                    }
                    if (l.thrown instanceof Error err) {
                        throw err;
                    }
                    throw new RuntimeException(l.thrown);
                }
                throw e;
            }
        } finally {
            release();
        }
    }

    private static MemorySegment orNull(Arena arena, double[] values) {
        return values == null ? MemorySegment.NULL : Context.doubles(arena, values);
    }

    /**
     * The mean loss and the accuracy (NaN without {@link Metrics#ACCURACY}) of {@code x} and
     * {@code y} ({@code tfe_trainer_evaluate}), as {@code {loss, accuracy}}.
     */
    public double[] evaluate(double[] x, double[] y) {
        return evaluateWith((t, arena, loss, accuracy) -> NativeTrain.tfe_trainer_evaluate(t, Context.doubles(arena, x),
                x.length, Context.doubles(arena, y), y.length, loss, accuracy));
    }

    /**
     * {@link #evaluate} at one player of a deployment ({@code tfe_trainer_evaluate_party};
     * {@code samples}, {@code x}, {@code y} as for {@link #fitParty}): the loss and accuracy at the
     * model owner, NaN elsewhere.
     */
    public double[] evaluateParty(long samples, double[] x, double[] y) {
        return evaluateWith((t, arena, loss, accuracy) -> NativeTrain.tfe_trainer_evaluate_party(t, samples,
                orNull(arena, x), x == null ? 0 : x.length, orNull(arena, y), y == null ? 0 : y.length, loss,
                accuracy));
    }

    /** A C evaluation: (trainer, arena, loss, accuracy) -> status. */
    @FunctionalInterface
    private interface Evaluation {
        int call(MemorySegment trainer, Arena arena, MemorySegment loss, MemorySegment accuracy);
    }

    private double[] evaluateWith(Evaluation evaluation) {
        MemorySegment trainer = acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment loss = arena.allocate(JAVA_DOUBLE);
            MemorySegment accuracy = arena.allocate(JAVA_DOUBLE);
            TfeException.check(evaluation.call(trainer, arena, loss, accuracy));
            return new double[] {loss.get(JAVA_DOUBLE, 0), accuracy.get(JAVA_DOUBLE, 0)};
        } finally {
            release();
        }
    }

    /**
     * {@link #predict} at one player of a deployment ({@code tfe_trainer_predict_party}): every
     * player passes the same {@code samples}, the data owner its features {@code x} (null
     * elsewhere); the model owner passes {@code outLen} = samples x outputs and receives the
     * outputs, every other player passes 0 and receives null.
     */
    public double[] predictParty(long samples, double[] x, long outLen) {
        MemorySegment trainer = acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = outLen == 0 ? MemorySegment.NULL : arena.allocate(JAVA_DOUBLE, outLen);
            TfeException.check(NativeTrain.tfe_trainer_predict_party(trainer, samples, orNull(arena, x),
                    x == null ? 0 : x.length, out, outLen));
            return outLen == 0 ? null : Predictor.readDoubles(out, outLen);
        } finally {
            release();
        }
    }

    /**
     * At a deployed player, after its last call: waits until every other player has completed
     * the same calls ({@code tfe_trainer_finish}); nothing for a local trainer.
     */
    public void finish() {
        call((t, arena) -> NativeTrain.tfe_trainer_finish(t));
    }

    /**
     * Interrupts the fit, evaluate, predict, export or finish in progress on another thread (or
     * from fit's listener), if any: it fails within its run in progress with a {@link
     * TfeException} of status {@link Status#ABORTED} ({@code tfe_trainer_interrupt}); the steps
     * taken stay and a local trainer stays usable (a deployed one, after any failed call, is made
     * anew at every player). Between calls it does nothing and reaches no later call. Safe to
     * call from any thread.
     */
    public void interrupt() {
        interruptWith(NativeTrain::tfe_trainer_interrupt);
    }

    /** The model's outputs for {@code x}, {@code outLen} values ({@code tfe_trainer_predict}). */
    public double[] predict(double[] x, long outLen) {
        return BatchPredictor.predict(this, NativeTrain::tfe_trainer_predict, x, outLen);
    }

    /**
     * The trained model, revealed to the model owner ({@code tfe_trainer_export}); null at the other
     * players of a deployment. Close it.
     */
    public Model export() {
        MemorySegment model = getAddress((t, arena, out) -> NativeTrain.tfe_trainer_export(t, out));
        return model.equals(MemorySegment.NULL) ? null : Model.wrap(model);
    }
}
