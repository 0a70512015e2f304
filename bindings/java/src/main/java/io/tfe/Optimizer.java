package io.tfe;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An update rule and its learning-rate schedule ({@code tfe_optimizer_t}). Start from
 * {@link #defaults}, then change fields with the {@code with} methods.
 *
 * @param kind the update rule
 * @param schedule how the learning rate changes per step
 * @param learningRate the learning rate (of the first steps, with a schedule)
 * @param momentum SGD's momentum in [0, 1)
 * @param beta1 Adam's and AMSgrad's beta1 in [0, 1)
 * @param beta2 Adam's and AMSgrad's beta2 in [0, 1)
 * @param epsilon Adam's and AMSgrad's epsilon, at least 2^-12
 * @param decay the schedule's factor
 * @param decaySteps the schedule's steps
 */
public record Optimizer(OptimizerKind kind, Schedule schedule, double learningRate, double momentum, double beta1,
        double beta2, double epsilon, double decay, long decaySteps) {
    /** Keras's defaults for {@code kind} ({@code tfe_optimizer_defaults}). */
    public static Optimizer defaults(OptimizerKind kind) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment o = arena.allocate(Native.OPTIMIZER);
            TfeException.check(NativeTrain.tfe_optimizer_defaults(kind.ordinal(), o));
            return new Optimizer(OptimizerKind.values()[o.get(JAVA_INT, 0)], Schedule.values()[o.get(JAVA_INT, 4)],
                    o.get(JAVA_DOUBLE, 8), o.get(JAVA_DOUBLE, 16), o.get(JAVA_DOUBLE, 24), o.get(JAVA_DOUBLE, 32),
                    o.get(JAVA_DOUBLE, 40), o.get(JAVA_DOUBLE, 48), o.get(JAVA_LONG, 56));
        }
    }

    /** This optimizer with {@code learningRate}. */
    public Optimizer withLearningRate(double learningRate) {
        return new Optimizer(kind, schedule, learningRate, momentum, beta1, beta2, epsilon, decay, decaySteps);
    }

    /** This optimizer with {@code momentum}. */
    public Optimizer withMomentum(double momentum) {
        return new Optimizer(kind, schedule, learningRate, momentum, beta1, beta2, epsilon, decay, decaySteps);
    }

    /** This optimizer with {@code epsilon}. */
    public Optimizer withEpsilon(double epsilon) {
        return new Optimizer(kind, schedule, learningRate, momentum, beta1, beta2, epsilon, decay, decaySteps);
    }

    /** This optimizer with a schedule. */
    public Optimizer withSchedule(Schedule schedule, double decay, long decaySteps) {
        return new Optimizer(kind, schedule, learningRate, momentum, beta1, beta2, epsilon, decay, decaySteps);
    }

    MemorySegment toNative(Arena arena) {
        MemorySegment o = arena.allocate(Native.OPTIMIZER);
        o.set(JAVA_INT, 0, kind.ordinal());
        o.set(JAVA_INT, 4, schedule.ordinal());
        o.set(JAVA_DOUBLE, 8, learningRate);
        o.set(JAVA_DOUBLE, 16, momentum);
        o.set(JAVA_DOUBLE, 24, beta1);
        o.set(JAVA_DOUBLE, 32, beta2);
        o.set(JAVA_DOUBLE, 40, epsilon);
        o.set(JAVA_DOUBLE, 48, decay);
        o.set(JAVA_LONG, 56, decaySteps);
        return o;
    }
}
