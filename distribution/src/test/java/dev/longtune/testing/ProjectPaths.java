package dev.longtune.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project's files are, from a test in the distribution module. */
public final class ProjectPaths {

    private ProjectPaths() {}

    public static Path root() {
        String p = System.getProperty("longtune.root");
        Path root = p != null ? Path.of(p) : Path.of("").toAbsolutePath();
        while (root != null && !Files.isDirectory(root.resolve("examples/models"))) {
            root = root.getParent();
        }
        if (root == null) {
            throw new IllegalStateException("project root not found");
        }
        return root;
    }

    public static Path examples() {
        return root().resolve("examples");
    }

    /** The assembled distribution folder (integration tests only: it exists after the package phase). */
    public static Path distribution() {
        String p = System.getProperty("longtune.distribution");
        return p != null ? Path.of(p) : root().resolve("distribution/target/longtune");
    }
}
