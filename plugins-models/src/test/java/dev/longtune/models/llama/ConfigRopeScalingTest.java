package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RopeParameters;
import dev.longtune.models.TestModels;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** rope_scaling read from config.json (no context extension) against the spec's worked numbers (B.1, B.5). */
class ConfigRopeScalingTest {

    private static final Path FILE = Path.of("config.json");

    private static ObjectNode cfg(String json) throws Exception {
        return (ObjectNode) TestModels.JSON.readTree(json);
    }

    @Test
    void llama3WorkedExampleHitsAllThreeRegions() throws Exception {
        ObjectNode c = cfg("{\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":4,\"low_freq_factor\":1,"
                + "\"high_freq_factor\":4,\"original_max_position_embeddings\":1024}}");
        float[] inv = ConfigRopeScaling.of(c, new RopeParameters(8, 1e4, 1024), FILE).inverseFrequencies(10);
        assertArrayEquals(new float[] {1f, 0.1f, 0.0040743663f, 0.00025f}, inv, 1e-9f);
    }

    @Test
    void realLlama31Frequencies() throws Exception {
        ObjectNode c = cfg("{\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,"
                + "\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192}}");
        float[] inv = ConfigRopeScaling.of(c, new RopeParameters(128, 5e5, 131072), FILE).inverseFrequencies(1);
        assertEquals(0.8146172f, inv[1], 1e-7f);
        float[] expected = {3.4281024e-5f, 2.7925909e-5f, 2.2748927e-5f, 1.8531669e-5f, 1.5096218e-5f,
            1.2297639e-5f, 1.0017868e-5f, 8.1607277e-6f};
        float[] got = Arrays.copyOfRange(inv, 40, 48);
        for (int i = 0; i < 8; i++) {
            assertEquals(expected[i], got[i], expected[i] * 1e-6f, "inv[" + (40 + i) + "]");
        }
        assertEquals(3.767323e-7f, inv[62], 3.767323e-7f * 1e-6f);
        assertEquals(3.068926e-7f, inv[63], 3.068926e-7f * 1e-6f);
    }

    @Test
    void linearOldTypeKeyAndUnknownType() throws Exception {
        ObjectNode c = cfg("{\"rope_scaling\":{\"type\":\"linear\",\"factor\":4}}");
        assertArrayEquals(new float[] {0.25f, 0.025f, 0.0025f, 0.00025f},
                ConfigRopeScaling.of(c, new RopeParameters(8, 1e4, 64), FILE).inverseFrequencies(1), 1e-9f);
        ObjectNode y = cfg("{\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4}}");
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> ConfigRopeScaling.of(y, new RopeParameters(8, 1e4, 64), FILE));
        assertTrue(e.getMessage().contains("yarn") && e.getMessage().contains("context extension"),
                e.getMessage());
    }
}
