package io.tfe;

import static io.tfe.Native.downcall;
import static io.tfe.Native.rethrow;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The functions of training in the C API ({@code tfe_trainer_*}, local and deployed, and the
 * model's weights they export), one downcall handle each, as {@link Native} holds the others.
 */
final class NativeTrain {
    private NativeTrain() {}

    private static final MethodHandle TFE_MODEL_WEIGHT_COUNT = downcall("tfe_model_weight_count", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_model_weight_count(MemorySegment model, MemorySegment count) {
        try { return (int) TFE_MODEL_WEIGHT_COUNT.invokeExact(model, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_WEIGHT = downcall("tfe_model_weight", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_model_weight(MemorySegment model, long index, MemorySegment values, MemorySegment len) {
        try { return (int) TFE_MODEL_WEIGHT.invokeExact(model, index, values, len); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_NEW_LOCAL = downcall("tfe_trainer_new_local", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_trainer_new_local(MemorySegment model, MemorySegment model_owner, MemorySegment data_owner, MemorySegment label_owner, MemorySegment options, MemorySegment out) {
        try { return (int) TFE_TRAINER_NEW_LOCAL.invokeExact(model, model_owner, data_owner, label_owner, options, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_FREE = downcall("tfe_trainer_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_trainer_free(MemorySegment trainer) {
        try { TFE_TRAINER_FREE.invokeExact(trainer); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_SET_INSECURE_TEST_SEED = downcall("tfe_trainer_set_insecure_test_seed", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    static int tfe_trainer_set_insecure_test_seed(MemorySegment trainer, long seed) {
        try { return (int) TFE_TRAINER_SET_INSECURE_TEST_SEED.invokeExact(trainer, seed); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_OPTIMIZER_DEFAULTS = downcall("tfe_optimizer_defaults", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    static int tfe_optimizer_defaults(int kind, MemorySegment out) {
        try { return (int) TFE_OPTIMIZER_DEFAULTS.invokeExact(kind, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_COMPILE = downcall("tfe_trainer_compile", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT));
    static int tfe_trainer_compile(MemorySegment trainer, MemorySegment optimizer, int loss, int metrics) {
        try { return (int) TFE_TRAINER_COMPILE.invokeExact(trainer, optimizer, loss, metrics); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_FIT = downcall("tfe_trainer_fit", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_trainer_fit(MemorySegment trainer, MemorySegment x, long x_len, MemorySegment y, long y_len, long epochs, long batch_size, MemorySegment val_x, long val_x_len, MemorySegment val_y, long val_y_len, MemorySegment progress, MemorySegment user_data) {
        try { return (int) TFE_TRAINER_FIT.invokeExact(trainer, x, x_len, y, y_len, epochs, batch_size, val_x, val_x_len, val_y, val_y_len, progress, user_data); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_EVALUATE = downcall("tfe_trainer_evaluate", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_trainer_evaluate(MemorySegment trainer, MemorySegment x, long x_len, MemorySegment y, long y_len, MemorySegment loss, MemorySegment accuracy) {
        try { return (int) TFE_TRAINER_EVALUATE.invokeExact(trainer, x, x_len, y, y_len, loss, accuracy); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_PREDICT = downcall("tfe_trainer_predict", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
    static int tfe_trainer_predict(MemorySegment trainer, MemorySegment x, long x_len, MemorySegment out, long out_len) {
        try { return (int) TFE_TRAINER_PREDICT.invokeExact(trainer, x, x_len, out, out_len); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_EXPORT = downcall("tfe_trainer_export", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_trainer_export(MemorySegment trainer, MemorySegment out) {
        try { return (int) TFE_TRAINER_EXPORT.invokeExact(trainer, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_NEW_PARTY = downcall("tfe_trainer_new_party", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_trainer_new_party(MemorySegment model, MemorySegment hostmap_path, MemorySegment me, MemorySegment tls_key_path, MemorySegment model_owner, MemorySegment data_owner, MemorySegment label_owner, MemorySegment out) {
        try { return (int) TFE_TRAINER_NEW_PARTY.invokeExact(model, hostmap_path, me, tls_key_path, model_owner, data_owner, label_owner, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_NEW_PARTY_INSECURE_PLAINTEXT = downcall("tfe_trainer_new_party_insecure_plaintext", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_trainer_new_party_insecure_plaintext(MemorySegment model, MemorySegment hostmap_path, MemorySegment me, MemorySegment model_owner, MemorySegment data_owner, MemorySegment label_owner, MemorySegment out) {
        try { return (int) TFE_TRAINER_NEW_PARTY_INSECURE_PLAINTEXT.invokeExact(model, hostmap_path, me, model_owner, data_owner, label_owner, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_FIT_PARTY = downcall("tfe_trainer_fit_party", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_trainer_fit_party(MemorySegment trainer, long samples, MemorySegment x, long x_len, MemorySegment y, long y_len, long epochs, long batch_size, MemorySegment progress, MemorySegment user_data) {
        try { return (int) TFE_TRAINER_FIT_PARTY.invokeExact(trainer, samples, x, x_len, y, y_len, epochs, batch_size, progress, user_data); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_EVALUATE_PARTY = downcall("tfe_trainer_evaluate_party", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_trainer_evaluate_party(MemorySegment trainer, long samples, MemorySegment x, long x_len, MemorySegment y, long y_len, MemorySegment loss, MemorySegment accuracy) {
        try { return (int) TFE_TRAINER_EVALUATE_PARTY.invokeExact(trainer, samples, x, x_len, y, y_len, loss, accuracy); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_PREDICT_PARTY = downcall("tfe_trainer_predict_party", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
    static int tfe_trainer_predict_party(MemorySegment trainer, long samples, MemorySegment x, long x_len, MemorySegment out, long out_len) {
        try { return (int) TFE_TRAINER_PREDICT_PARTY.invokeExact(trainer, samples, x, x_len, out, out_len); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_INTERRUPT = downcall("tfe_trainer_interrupt", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_trainer_interrupt(MemorySegment trainer) {
        try { return (int) TFE_TRAINER_INTERRUPT.invokeExact(trainer); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRAINER_FINISH = downcall("tfe_trainer_finish", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_trainer_finish(MemorySegment trainer) {
        try { return (int) TFE_TRAINER_FINISH.invokeExact(trainer); } catch (Throwable t) { throw rethrow(t); }
    }
}
