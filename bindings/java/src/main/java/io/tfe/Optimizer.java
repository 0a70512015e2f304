package io.tfe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

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
    private static final VarHandle KIND = Layouts.field(Native.OPTIMIZER, "kind");
    private static final VarHandle SCHEDULE = Layouts.field(Native.OPTIMIZER, "schedule");
    private static final VarHandle LEARNING_RATE = Layouts.field(Native.OPTIMIZER, "learning_rate");
    private static final VarHandle MOMENTUM = Layouts.field(Native.OPTIMIZER, "momentum");
    private static final VarHandle BETA1 = Layouts.field(Native.OPTIMIZER, "beta1");
    private static final VarHandle BETA2 = Layouts.field(Native.OPTIMIZER, "beta2");
    private static final VarHandle EPSILON = Layouts.field(Native.OPTIMIZER, "epsilon");
    private static final VarHandle DECAY = Layouts.field(Native.OPTIMIZER, "decay");
    private static final VarHandle DECAY_STEPS = Layouts.field(Native.OPTIMIZER, "decay_steps");

    /** Keras's defaults for {@code kind} ({@code tfe_optimizer_defaults}). */
    public static Optimizer defaults(OptimizerKind kind) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment o = arena.allocate(Native.OPTIMIZER);
            TfeException.check(NativeTrain.tfe_optimizer_defaults(kind.ordinal(), o));
            return new Optimizer(Enums.ofOrdinal(OptimizerKind.class, (int) KIND.get(o)),
                    Enums.ofOrdinal(Schedule.class, (int) SCHEDULE.get(o)),
                    (double) LEARNING_RATE.get(o), (double) MOMENTUM.get(o), (double) BETA1.get(o),
                    (double) BETA2.get(o), (double) EPSILON.get(o), (double) DECAY.get(o), (long) DECAY_STEPS.get(o));
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
        KIND.set(o, kind.ordinal());
        SCHEDULE.set(o, schedule.ordinal());
        LEARNING_RATE.set(o, learningRate);
        MOMENTUM.set(o, momentum);
        BETA1.set(o, beta1);
        BETA2.set(o, beta2);
        EPSILON.set(o, epsilon);
        DECAY.set(o, decay);
        DECAY_STEPS.set(o, decaySteps);
        return o;
    }
}
