package dev.longtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.testing.Launcher;
import dev.longtune.testing.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/quickstart-lora.yaml through the distribution: the run writes a PEFT adapter and a merged model; the
 * adapter merged onto the base by {@code longtune export --adapter} generates exactly what the run's model does.
 */
class LoraAdapterIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void theRunsAdapterMergedByExportEqualsTheRunsMergedModel() throws Exception {
        Path dist = ProjectPaths.distribution();
        Path out = work.resolve("lora");
        Launcher.Result run = Launcher.run(dist, work, 600, "run", dist.resolve("examples/quickstart-lora.yaml")
                .toString(), "--set", "output=" + out);
        assertEquals(0, run.code(), run.describe());
        for (String f : List.of("adapter/adapter_config.json", "adapter/adapter_model.safetensors",
                "model/model.safetensors")) {
            assertTrue(Files.exists(out.resolve(f)), "missing " + f);
        }
        JsonNode config = JSON.readTree(out.resolve("adapter/adapter_config.json").toFile());
        assertEquals("LORA", config.get("peft_type").asText());

        Path exported = work.resolve("exported");
        Launcher.Result export = Launcher.run(dist, work, 120, "export", "--model",
                dist.resolve("examples/models/stories260K").toString(), "--adapter", out.resolve("adapter").toString(),
                "--format", "hf", "--out", exported.toString());
        assertEquals(0, export.code(), export.describe());

        String prompt = "Once upon a time";
        Launcher.Result fromRun = Launcher.run(dist, work, 120, "generate", "--model", out.resolve("model").toString(),
                "--prompt", prompt, "--max-new-tokens", "40", "--ignore-eos", "--print-ids");
        Launcher.Result fromExport = Launcher.run(dist, work, 120, "generate", "--model", exported.toString(),
                "--prompt", prompt, "--max-new-tokens", "40", "--ignore-eos", "--print-ids");
        assertEquals(0, fromRun.code(), fromRun.describe());
        assertEquals(0, fromExport.code(), fromExport.describe());
        List<String> a = fromRun.out().lines().toList();
        List<String> b = fromExport.out().lines().toList();
        assertEquals(a.get(a.size() - 1), b.get(b.size() - 1), "greedy ids of run model vs exported adapter merge");
    }
}
