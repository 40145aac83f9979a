package dev.longtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.testing.Launcher;
import dev.longtune.testing.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/longtune as a user meets it: from any directory, and with clean one-line errors and non-zero exits. */
class LauncherIT {

    @TempDir
    Path work;

    @Test
    void worksFromAnyDirectoryAndThroughASymlink() throws Exception {
        Path dist = ProjectPaths.distribution();
        Launcher.Result r = Launcher.run(dist, work, 60, "--version");
        assertEquals(0, r.code(), r.describe());
        assertTrue(r.out().startsWith("longtune 0."), r.describe());

        Path link = work.resolve("longtune-link");
        Files.createSymbolicLink(link, dist.resolve("bin/longtune"));
        Process p = new ProcessBuilder(link.toString(), "plugins").directory(work.toFile()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("llama") && out.contains("built-in"), out);
    }

    @Test
    void badInputsExitNonZeroWithOneLineAndNoStackTrace() throws Exception {
        Path dist = ProjectPaths.distribution();
        Path cfg = work.resolve("typo.yaml");
        Files.writeString(cfg, "model:\n  path: " + dist.resolve("examples/models/stories260K")
                + "\ncontext:\n  type: yarm\n  factor: 2\n");
        for (String[] args : new String[][] {
                {"validate", cfg.toString()},
                {"run", cfg.toString()},
                {"run", work.resolve("absent.yaml").toString()},
                {"generate", "--model", work.resolve("no-model").toString()}}) {
            Launcher.Result r = Launcher.run(dist, work, 120, args);
            assertEquals(1, r.code(), r.describe());
            assertTrue(r.err().startsWith("error: "), r.describe());
            assertEquals(1, r.err().lines().filter(l -> !l.isBlank()).count(), r.describe());
            assertFalse(r.err().contains("Exception"), r.describe());
        }
    }
}
