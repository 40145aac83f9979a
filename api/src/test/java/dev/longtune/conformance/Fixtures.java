package dev.longtune.conformance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Where test artefacts live. The project root (system property {@code longtune.root}, set by the build) holds the
 * committed ones (the stories260K checkpoint under {@code examples/models/stories260K}); the larger shared fixtures
 * are in {@code ../shared} beside the project (system property {@code longtune.shared}), which a fresh clone lacks.
 */
public final class Fixtures {

    private Fixtures() {}

    /** The project root. */
    public static Path projectRoot() {
        String p = System.getProperty("longtune.root");
        Path root = p != null ? Path.of(p) : Path.of("").toAbsolutePath();
        // Running from a module folder without the property: walk up to the folder holding examples/.
        while (root != null && !Files.isDirectory(root.resolve("examples/models"))) {
            root = root.getParent();
        }
        if (root == null) {
            throw new IllegalStateException("cannot find the project root (no examples/models above "
                    + Path.of("").toAbsolutePath() + "); set -Dlongtune.root");
        }
        return root;
    }

    /** The committed stories260K Hugging Face folder (real pretrained weights, MIT). */
    public static Path stories260K() {
        return projectRoot().resolve("examples/models/stories260K");
    }

    /** The shared fixtures folder if present. */
    public static Optional<Path> shared() {
        String p = System.getProperty("longtune.shared");
        Path dir = p != null ? Path.of(p) : projectRoot().resolve("../shared");
        return Files.isDirectory(dir) ? Optional.of(dir.normalize()) : Optional.empty();
    }

    /**
     * A file under the shared fixtures; the calling test is skipped, saying so, when the shared folder or the file
     * is absent (a fresh clone without {@code ../shared}).
     */
    public static Path sharedOrSkip(String relative) {
        Optional<Path> dir = shared();
        Assumptions.assumeTrue(dir.isPresent(), "skipped: needs the shared fixtures folder ../shared, which this "
                + "checkout does not have");
        Path f = dir.get().resolve(relative);
        Assumptions.assumeTrue(Files.exists(f), "skipped: shared fixture " + f + " is absent");
        return f;
    }
}
