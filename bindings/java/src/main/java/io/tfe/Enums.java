package io.tfe;

/** C enum values as the binding's Java enums. */
final class Enums {
    private Enums() {}

    /**
     * The constant of {@code type} whose ordinal is the C value {@code value} (the enums whose C
     * value is the ordinal). A value the binding does not know, as a library newer than the
     * binding could return, is a {@link TfeException} of {@link Status#INTERNAL} naming the enum
     * and the value, not an {@link ArrayIndexOutOfBoundsException}.
     */
    static <E extends Enum<E>> E ofOrdinal(Class<E> type, int value) {
        E[] constants = type.getEnumConstants();
        if (value < 0 || value >= constants.length) {
            throw new TfeException(Status.INTERNAL, "tfe: the library returned " + value + " as a "
                    + type.getSimpleName() + ", a value this binding does not know (it knows 0 to "
                    + (constants.length - 1) + "): is the library newer than the binding?");
        }
        return constants[value];
    }
}
