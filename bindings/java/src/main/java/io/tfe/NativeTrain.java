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
 * The functions of deployed training in the C API ({@code tfe_trainer_new_party} and the calls
 * of a deployed player), one downcall handle each, as {@link Native} holds the others.
 */
final class NativeTrain {
    private NativeTrain() {}

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
    private static final MethodHandle TFE_TRAINER_FINISH = downcall("tfe_trainer_finish", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_trainer_finish(MemorySegment trainer) {
        try { return (int) TFE_TRAINER_FINISH.invokeExact(trainer); } catch (Throwable t) { throw rethrow(t); }
    }
}
