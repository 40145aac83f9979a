package dev.longtune.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a distribution's {@code bin/longtune} as a separate process, the way a user does. */
public final class Launcher {

    private Launcher() {}

    public record Result(int code, String out, String err) {
        public String describe() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    public static Result run(Path distribution, Path workingDir, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        return run(distribution, workingDir, timeoutSeconds, Map.of(), args);
    }

    /** With {@code extraEnv} added to the process environment (e.g. HF_ENDPOINT for a loopback hub). */
    public static Result run(Path distribution, Path workingDir, long timeoutSeconds, Map<String, String> extraEnv,
            String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(distribution.resolve("bin/longtune").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workingDir.toFile());
        Path out = Files.createTempFile("longtune-out", ".txt");
        Path err = Files.createTempFile("longtune-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        // Share the build's native cache so each launch does not unpack libtorch again.
        String cache = System.getenv("ENGINE_CACHE_DIR");
        if (cache != null) {
            env.put("ENGINE_CACHE_DIR", cache);
        }
        env.put("LONGTUNE_JAVA_OPTS", "-Xmx2g");
        env.putAll(extraEnv);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/longtune " + args[0] + " did not finish in " + timeoutSeconds + " s; "
                    + "stdout so far:\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
