package dev.longtune.context.slidingwindow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.api.RopeScaling;
import dev.longtune.conformance.ContextExtensionContract;
import dev.longtune.context.ReplacesContractTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract, except its round trip: a sliding window is not a {@code rope_scaling} type (Mistral and Qwen2 put
 * {@code sliding_window} at the top level of {@code config.json}), so this factory reads no type and its export says
 * {@code "default"}, which a loader reads as "no scaling". The replacement checks exactly that: the exported
 * {@code rope_scaling} describes the unscaled frequencies the extension uses.
 */
@ReplacesContractTest(test = "hfRopeScalingBindsBackToTheSameFrequencies",
        because = "sliding_window is no rope_scaling type; its export is rope_type 'default', checked by "
                + "exportSaysDefaultWhichIsWhatItUses")
class SlidingWindowConformanceTest extends ContextExtensionContract<SlidingWindowOptions> {

    @Override
    protected ContextExtensionFactory<SlidingWindowOptions> factory() {
        return new SlidingWindowFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"window\": 1024}");
    }

    @Test
    void exportSaysDefaultWhichIsWhatItUses() {
        assertEquals(Map.of("rope_type", "default"), extension().hfRopeScaling(rope()));
        int len = 2 * rope().maxPositionEmbeddings();
        assertArrayEquals(RopeScaling.none(rope()).inverseFrequencies(len),
                extension().ropeScaling(rope()).inverseFrequencies(len), 0f);
    }
}
