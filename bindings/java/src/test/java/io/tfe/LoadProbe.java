package io.tfe;

/** Loads the library in a fresh JVM and prints the outcome (for ErrorsTest). */
public final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) {
        try {
            System.out.println("loaded " + Tfe.version());
        } catch (Throwable t) {
            Throwable cause = t;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            System.out.println(cause.getMessage());
        }
    }
}
