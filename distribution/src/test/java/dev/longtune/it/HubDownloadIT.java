package dev.longtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.host.hub.FakeHub;
import dev.longtune.testing.Launcher;
import dev.longtune.testing.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub path as a user meets it, through bin/longtune and the Hugging Face environment variables: {@code download}
 * on a machine that reaches the hub (a loopback stand-in, {@link FakeHub}), then {@code generate --model ORG/NAME}
 * with {@code HF_HUB_OFFLINE=1} on the same cache, and a clear one-line error for a model that is nowhere.
 */
class HubDownloadIT {

    @TempDir
    Path work;

    @Test
    void downloadThenGenerateOfflineFromTheCache() throws Exception {
        Path dist = ProjectPaths.distribution();
        Path stories = dist.resolve("examples/models/stories260K");
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors")) {
            files.put(f, Files.readAllBytes(stories.resolve(f)));
        }
        try (FakeHub hub = new FakeHub()) {
            hub.addRepo("karpathy/stories260K", "0123456789abcdef0123456789abcdef01234567", files,
                    Set.of("model.safetensors"));
            Map<String, String> env = Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HOME", work.resolve("hf").toString());
            Launcher.Result d = Launcher.run(dist, work, 120, env, "download", "karpathy/stories260K");
            assertEquals(0, d.code(), d.describe());
            Path snapshot = Path.of(d.out().strip());
            assertEquals(work.resolve("hf/hub/models--karpathy--stories260K/snapshots/"
                    + "0123456789abcdef0123456789abcdef01234567"), snapshot);
            assertTrue(d.err().contains("Downloading karpathy/stories260K model.safetensors"), d.describe());
        }
        Map<String, String> offline = Map.of("HF_HOME", work.resolve("hf").toString(), "HF_HUB_OFFLINE", "1");
        Launcher.Result g = Launcher.run(dist, work, 120, offline, "generate", "--model", "karpathy/stories260K",
                "--max-new-tokens", "12");
        assertEquals(0, g.code(), g.describe());
        assertTrue(g.out().startsWith("Once upon a time"), g.describe());

        Launcher.Result missing = Launcher.run(dist, work, 120, offline, "generate", "--model", "nobody/nothing");
        assertEquals(1, missing.code(), missing.describe());
        assertTrue(missing.err().startsWith("error: ") && missing.err().contains("HF_HUB_OFFLINE")
                && missing.err().strip().lines().count() == 1, missing.describe());
    }
}
