package dev.longtune.testing;

import dev.longtune.conformance.Fixtures;
import java.nio.file.Path;

/** Where the project's files are, from a test in the distribution module. */
public final class ProjectPaths {

    private ProjectPaths() {}

    public static Path examples() {
        return Fixtures.projectRoot().resolve("examples");
    }

    /** The assembled distribution folder (integration tests only: it exists after the package phase). */
    public static Path distribution() {
        String p = System.getProperty("longtune.distribution");
        return p != null ? Path.of(p) : Fixtures.projectRoot().resolve("distribution/target/longtune");
    }
}
