/**
 * The Java binding of libtfe (TF Encrypted in Rust): privacy-preserving machine learning with
 * secure multi-party computation, over the C API through the Foreign Function &amp; Memory API.
 * Run with {@code --enable-native-access=io.tfe} (or {@code ALL-UNNAMED} on the class path).
 */
module io.tfe {
    exports io.tfe;
}
