package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.models.RandomCheckpoint;
import dev.longtune.models.TestModels;
import dev.longtune.models.io.SafetensorsReader;
import dev.longtune.models.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints a user can get wrong fail with a LongtuneException naming the culprit, and leak nothing. */
class BadCheckpointTest {

    private static NDManager root;

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    private static Path good(Path tmp) throws Exception {
        return new RandomCheckpoint(16, 40, 2, 4, 2, 64, false, 11L).write(tmp.resolve("ck"), root);
    }

    private static String fail(Path dir) {
        LongtuneException e = assertThrows(LongtuneException.class, () -> TestModels.load(dir, root).close());
        return e.getMessage();
    }

    @Test
    void vocabularyLargerThanModelIsRejected(@TempDir Path tmp) throws Exception {
        Path dir = good(tmp);
        ObjectNode cfg = TestModels.config(dir);
        cfg.put("vocab_size", 300);
        TestModels.JSON.writeValue(dir.resolve("config.json").toFile(), cfg);
        String msg = fail(dir);
        assertTrue(msg.contains("tokenizer.json has 512 tokens but config.json vocab_size is 300")
                && msg.contains("does not belong to this checkpoint"), msg);
    }

    @Test
    void missingTensorIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = good(tmp);
        rewrite(dir, "model.layers.1.mlp.up_proj.weight", null);
        String msg = fail(dir);
        assertTrue(msg.contains("'model.layers.1.mlp.up_proj.weight'") && msg.contains("missing"), msg);
    }

    @Test
    void wrongShapeIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = good(tmp);
        rewrite(dir, "model.layers.0.self_attn.k_proj.weight", new Shape(16, 16));
        String msg = fail(dir);
        assertTrue(msg.contains("'model.layers.0.self_attn.k_proj.weight'") && msg.contains("[16, 16]")
                && msg.contains("[8, 16]") && msg.contains("model.safetensors"), msg);
    }

    @Test
    void missingFolderConfigOrTokenizerAreNamed(@TempDir Path tmp) throws Exception {
        Path nowhere = tmp.resolve("nowhere");
        LongtuneException e = assertThrows(LongtuneException.class, () -> new LlamaArchitecture().load(null,
                new dev.longtune.api.ModelLoadRequest(nowhere, TestModels.JSON.createObjectNode(), null,
                        ai.djl.ndarray.types.DataType.FLOAT32, Device.cpu(), root)));
        assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("does not exist"),
                e.getMessage());
        Path dir = good(tmp);
        ObjectNode cfg = TestModels.config(dir);
        Files.delete(dir.resolve("tokenizer.json"));
        String msg = assertThrows(LongtuneException.class, () -> new LlamaArchitecture().load(null,
                new dev.longtune.api.ModelLoadRequest(dir, cfg, null, ai.djl.ndarray.types.DataType.FLOAT32,
                        Device.cpu(), root))).getMessage();
        assertTrue(msg.contains("tokenizer.json is missing"), msg);
        Files.delete(dir.resolve("config.json"));
        msg = assertThrows(LongtuneException.class, () -> new LlamaArchitecture().load(null,
                new dev.longtune.api.ModelLoadRequest(dir, cfg, null, ai.djl.ndarray.types.DataType.FLOAT32,
                        Device.cpu(), root))).getMessage();
        assertTrue(msg.contains("config.json is missing"), msg);
    }

    /** Rewrites model.safetensors without {@code name} (shape null) or with {@code name} reshaped. */
    private static void rewrite(Path dir, String name, Shape shape) throws Exception {
        Path file = dir.resolve("model.safetensors");
        try (NDManager m = root.newSubManager()) {
            Map<String, NDArray> all = new LinkedHashMap<>();
            try (SafetensorsReader r = SafetensorsReader.open(file)) {
                for (String n : r.tensors().keySet()) {
                    all.put(n, r.read(n, m, ai.djl.ndarray.types.DataType.FLOAT32));
                }
            }
            if (shape == null) {
                all.remove(name);
            } else {
                all.put(name, m.zeros(shape));
            }
            SafetensorsWriter.write(file, all);
        }
    }
}
