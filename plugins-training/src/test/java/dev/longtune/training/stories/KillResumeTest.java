package dev.longtune.training.stories;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.conformance.Fixtures;
import dev.longtune.training.checkpoint.Checkpoints;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check of the issue: a real SFT run of stories260K in a child JVM is killed with SIGKILL after its step-8
 * checkpoint, restarted with {@code resume_from_checkpoint: auto}, and its {@code metrics/train.jsonl} must equal,
 * row for row and bit for bit, that of an uninterrupted run with the same seed.
 *
 * <p>The children run with one intra-op thread ({@code -Dai.djl.pytorch.num_threads=1}) so that every reduction is
 * computed in the same order in every process; no tolerance is needed.
 */
class KillResumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void killedAndResumedRunHasTheLossesOfAnUninterruptedOne() throws Exception {
        killAndResume("float32");
    }

    /**
     * The same in mixed precision (float16 model, float32 masters, dynamic loss scaling whose scale grows every 3
     * steps during the run): the checkpoint carries the masters and the scaler's state, so the resumed run continues
     * bit for bit.
     */
    @Test
    void killedAndResumedFloat16RunHasTheLossesOfAnUninterruptedOne() throws Exception {
        killAndResume("float16");
        // The scale saved at the checkpoints is not the starting one: without it the resumed losses would differ.
        Path ckpt = Checkpoints.of(tmp.resolve("killed")).latest().orElseThrow();
        JsonNode state = JSON.readTree(ckpt.resolve(Checkpoints.STATE).toFile());
        System.out.println("fp16 checkpoint " + ckpt.getFileName() + ": loss_scale " + state.get("loss_scale")
                + ", growth tracker " + state.get("loss_scale_growth_tracker") + ", skipped "
                + state.get("loss_scale_skipped"));
        assertTrue(state.get("loss_scale").asDouble() != KillResumeChild.FP16_START.scale()
                || state.get("loss_scale_growth_tracker").asInt() != 0, state.toString());
        assertEquals("fp16 with dynamic loss scaling, float32 masters", state.get("fingerprint").get("precision")
                .asText());
    }

    private void killAndResume(String dtype) throws Exception {
        Path full = tmp.resolve("full");
        Process a = start(full, "none", 0, dtype);
        assertEquals(0, a.waitFor(300, TimeUnit.SECONDS) ? a.exitValue() : -1, log(full));

        Path killed = tmp.resolve("killed");
        Process b = start(killed, "none", 150, dtype);
        int lastSeen = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(b.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("STEP ")) {
                    lastSeen = Integer.parseInt(line.split(" ")[1]);
                    if (lastSeen >= 10) {
                        b.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no finally block runs
                        break;
                    }
                }
            }
        }
        assertTrue(b.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, b.exitValue(), "killed by SIGKILL (128 + 9); " + log(killed));
        int rowsAtKill = rows(killed).size();
        assertTrue(rowsAtKill >= 10 && rowsAtKill < KillResumeChild.STEPS, "killed mid-run after step "
                + rowsAtKill);
        long latest = Checkpoints.stepOf(Checkpoints.of(killed).latest().orElseThrow());
        assertTrue(latest >= 8, "a checkpoint from before the kill: step " + latest);

        Process c = start(killed, "auto", 0, dtype);
        String resumedOut = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(c.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, c.exitValue(), log(killed));
        assertTrue(resumedOut.contains("DONE steps=24 resumed_from=" + latest), resumedOut);

        Map<Long, Double> expected = rows(full);
        Map<Long, Double> actual = rows(killed);
        System.out.println(dtype + ": kill -9 after step " + rowsAtKill + " (" + lastSeen
                + " reported), resumed from step-"
                + latest);
        System.out.println("uninterrupted: " + expected.values());
        System.out.println("killed+resumed: " + actual.values());
        assertEquals(KillResumeChild.STEPS, expected.size());
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()),
                "each step logged once, in order (rows after the checkpoint were dropped before resuming)");
        for (long s : expected.keySet()) {
            assertEquals(Double.doubleToLongBits(expected.get(s)), Double.doubleToLongBits(actual.get(s)),
                    "loss of step " + s + ": " + expected.get(s) + " vs " + actual.get(s));
        }
        assertTrue(expected.get(24L) < expected.get(1L), "it trains");
        assertEquals(List.of(Checkpoints.of(killed).folder(16), Checkpoints.of(killed).folder(20)),
                Checkpoints.of(killed).list(), "keep_checkpoints 2");
    }

    /** Steps → loss of {@code metrics/train.jsonl}, failing on a repeated step. */
    private static Map<Long, Double> rows(Path out) throws IOException {
        Map<Long, Double> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(out.resolve("metrics/train.jsonl"))) {
            JsonNode row = JSON.readTree(line);
            Double prev = m.put(row.get("step").asLong(), row.get("loss").asDouble());
            if (prev != null) {
                throw new AssertionError("step " + row.get("step") + " logged twice in " + out);
            }
        }
        return m;
    }

    private static Process start(Path out, String resume, long pauseMs, String dtype) throws IOException {
        Files.createDirectories(out);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dlongtune.root=" + Fixtures.projectRoot(), "-cp", System.getProperty("java.class.path"),
                KillResumeChild.class.getName(), out.toString(), resume, Long.toString(pauseMs), dtype));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(out.resolve("stderr-" + resume + ".log").toFile());
        pb.environment().putIfAbsent("OPT_OUT_TRACKING", "true");
        pb.environment().putIfAbsent("OMP_NUM_THREADS", "1");
        if (pauseMs == 0 && !"none".equals(resume)) {
            pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
        } else if (pauseMs == 0) {
            pb.redirectOutput(out.resolve("stdout.log").toFile());
        }
        return pb.start();
    }

    private static String log(Path out) {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(out)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                sb.append("\n--- ").append(p.getFileName()).append('\n').append(Files.readString(p));
            }
        } catch (IOException e) {
            sb.append(e);
        }
        return sb.toString();
    }
}
