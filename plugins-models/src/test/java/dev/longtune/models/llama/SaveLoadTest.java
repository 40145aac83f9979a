package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.RandomCheckpoint;
import dev.longtune.models.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** save() writes an HF folder that loads back bit-identically and decodes the same. */
class SaveLoadTest {

    @Test
    void savedStoriesLoadsBackBitIdenticalAndGeneratesTheSame(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("saved");
        Files.createDirectories(out);
        Files.writeString(out.resolve("stale.txt"), "replaced"); // an existing folder is replaced as a whole
        GenerationOptions greedy = new GenerationOptions(40, 0f, 0, 1f, 0L, false);
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                LlamaModel a = TestModels.stories(root)) {
            a.save(out);
            assertFalse(Files.exists(out.resolve("stale.txt")));
            for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
                assertTrue(Files.isRegularFile(out.resolve(f)), f);
            }
            try (Stream<Path> s = Files.list(tmp)) {
                assertEquals(List.of(out), s.toList(), "no temporary folders left behind");
            }
            assertEquals(TestModels.config(Fixtures.stories260K()), TestModels.config(out));
            try (LlamaModel b = TestModels.load(out, root)) {
                assertEquals(new ArrayList<>(a.parameters().keySet()), new ArrayList<>(b.parameters().keySet()));
                for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
                    NDArray other = b.parameters().get(e.getKey());
                    assertEquals(e.getValue().getShape(), other.getShape(), e.getKey());
                    assertArrayEquals(e.getValue().toFloatArray(), other.toFloatArray(), 0f, e.getKey());
                }
                assertArrayEquals(a.generate(new int[] {1}, greedy, null).tokenIds(),
                        b.generate(new int[] {1}, greedy, null).tokenIds());
            }
        }
    }

    private static float[] logits(LlamaModel m) {
        try (NDManager step = m.manager().getParentManager().newSubManager()) {
            long[] ids = new long[150];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (i * 37) % 512;
            }
            return m.forward(dev.longtune.api.ForwardInput.of(step.create(ids, new ai.djl.ndarray.types.Shape(1,
                    150)))).toFloatArray();
        }
    }

    /** A minimal linear (position interpolation) extension, standing in for the context plugin. */
    private static final class Linear4 implements ContextExtension {
        @Override
        public String name() {
            return "linear";
        }

        @Override
        public RopeScaling ropeScaling(RopeParameters rope) {
            float[] inv = rope.defaultInverseFrequencies();
            for (int i = 0; i < inv.length; i++) {
                inv[i] /= 4f;
            }
            return length -> inv.clone();
        }

        @Override
        public int extendedMaxPositions(int original) {
            return original * 4;
        }

        @Override
        public Map<String, Object> hfRopeScaling(RopeParameters rope) {
            return Map.of("rope_type", "linear", "factor", 4.0);
        }
    }

    @Test
    void contextExtensionChangesPositionsAndIsWrittenOnSave(@TempDir Path tmp) throws Exception {
        RandomCheckpoint ck = new RandomCheckpoint(16, 40, 2, 4, 2, 64, true, 3L);
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            Path dir = ck.write(tmp.resolve("in"), root);
            ObjectNode cfg = TestModels.config(dir);
            float[] extendedLogits;
            try (LlamaModel m = new LlamaArchitecture().loadLlama(new ModelLoadRequest(dir, cfg, new Linear4(),
                    DataType.FLOAT32, Device.cpu(), root))) {
                assertEquals(256, m.config().maxPositionEmbeddings());
                // It runs past the original 64 positions.
                assertEquals(100, m.generate(new int[] {1}, new GenerationOptions(100, 1f, 0, 1f, 5L, false), null)
                        .tokenIds().length);
                m.save(tmp.resolve("out"));
                extendedLogits = logits(m);
            }
            ObjectNode saved = TestModels.config(tmp.resolve("out"));
            assertEquals(256, saved.get("max_position_embeddings").asInt());
            assertEquals("linear", saved.get("rope_scaling").get("rope_type").asText());
            assertEquals(4.0, saved.get("rope_scaling").get("factor").asDouble());
            assertEquals("kept on save", saved.get("some_unknown_key").asText());
            // The saved rope_scaling is what the host resolves into the extension again; loading the folder with
            // that extension reproduces the extended model. Without one the model refuses to ignore it.
            LongtuneException e = assertThrows(LongtuneException.class,
                    () -> TestModels.load(tmp.resolve("out"), root));
            assertTrue(e.getMessage().contains("linear") && e.getMessage().contains("context extension"),
                    e.getMessage());
            try (LlamaModel again = TestModels.load(tmp.resolve("out"), root, new Linear4())) {
                assertArrayEquals(extendedLogits, logits(again), 1e-6f);
            }
        }
    }
}
