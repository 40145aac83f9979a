package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.models.RandomCheckpoint;
import dev.longtune.models.TestModels;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * config.json's {@code rope_scaling} is never interpreted by the llama architecture itself: the host resolves it
 * through the context-extension registry (the formulas, llama3 included, live and are tested in plugins-context) and
 * passes the extension. Without one, a non-default rope_scaling is an error instead of being silently dropped; with
 * one, the extension's frequencies are used whatever config.json says.
 */
class RopeScalingResolutionTest {

    private static NDManager root;

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    private static Path checkpoint(Path tmp, String name, String ropeJson) throws Exception {
        RandomCheckpoint ck = new RandomCheckpoint(16, 40, 2, 4, 2, 64, true, 5L);
        Path dir = ck.write(tmp.resolve(name), root);
        ObjectNode cfg = TestModels.config(dir);
        if (ropeJson != null) {
            ObjectNode rope = (ObjectNode) TestModels.JSON.readTree(ropeJson);
            rope.fieldNames().forEachRemaining(k -> cfg.set(k, rope.get(k)));
        }
        TestModels.JSON.writeValue(dir.resolve("config.json").toFile(), cfg);
        return dir;
    }

    @Test
    void nonDefaultRopeScalingWithoutAnExtensionIsRefused(@TempDir Path tmp) throws Exception {
        String[][] refused = {
            {"llama3", "{\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,"
                    + "\"high_freq_factor\":4.0,\"original_max_position_embeddings\":64}}"},
            {"linear", "{\"rope_scaling\":{\"type\":\"linear\",\"factor\":4}}"},
            {"yarn", "{\"rope_parameters\":{\"rope_type\":\"yarn\",\"factor\":4,\"rope_theta\":10000.0}}"},
        };
        for (String[] c : refused) {
            Path dir = checkpoint(tmp, c[0], c[1]);
            LongtuneException e = assertThrows(LongtuneException.class, () -> TestModels.load(dir, root));
            assertTrue(e.getMessage().contains("'" + c[0] + "'") && e.getMessage().contains("context extension")
                    && e.getMessage().contains("config.json"), e.getMessage());
        }
        for (String ok : new String[] {"{\"rope_scaling\":null}", "{\"rope_scaling\":{\"rope_type\":\"default\"}}",
            "{\"rope_parameters\":{\"rope_type\":\"default\",\"rope_theta\":10000.0}}"}) {
            Path dir = checkpoint(tmp, "ok" + ok.hashCode(), ok);
            try (LlamaModel m = TestModels.load(dir, root)) {
                assertTrue(m.contextExtension().isEmpty());
            }
        }
    }

    /** Position interpolation by 2: frequencies halved exactly (a power of two), so position 2p rotates like p. */
    private static final class Linear2 implements ContextExtension {
        @Override
        public String name() {
            return "linear";
        }

        @Override
        public RopeScaling ropeScaling(RopeParameters rope) {
            float[] inv = rope.defaultInverseFrequencies();
            for (int i = 0; i < inv.length; i++) {
                inv[i] /= 2f;
            }
            return length -> inv.clone();
        }

        @Override
        public int extendedMaxPositions(int original) {
            return original * 2;
        }

        @Override
        public Map<String, Object> hfRopeScaling(RopeParameters rope) {
            return Map.of("rope_type", "linear", "factor", 2.0);
        }
    }

    @Test
    void theExtensionDecidesWhateverConfigJsonSays(@TempDir Path tmp) throws Exception {
        Path plainDir = checkpoint(tmp, "plain", null);
        Path llama3Dir = checkpoint(tmp, "llama3", "{\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,"
                + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":16}}");
        long[] ids = {1, 17, 300, 4, 99, 511, 256, 3};
        long[] pos = new long[ids.length];
        long[] doubled = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            pos[i] = i;
            doubled[i] = 2L * i;
        }
        try (LlamaModel plain = TestModels.load(plainDir, root);
                LlamaModel extended = TestModels.load(llama3Dir, root, new Linear2());
                NDManager step = root.newSubManager()) {
            assertEquals(128, extended.config().maxPositionEmbeddings());
            assertTrue(extended.contextExtension().isPresent());
            Shape s = new Shape(1, ids.length);
            float[] a = plain.forward(new ForwardInput(step.create(ids, s), step.create(pos, s), null, false))
                    .toFloatArray();
            float[] b = extended.forward(new ForwardInput(step.create(ids, s), step.create(doubled, s), null, false))
                    .toFloatArray();
            assertArrayEquals(a, b, 0f, "linear x2 at positions 2p == plain at p: the extension, not llama3");
        }
    }
}
