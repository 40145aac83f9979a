package dev.longtune.context.longlora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.conformance.ContextExtensionContract;
import dev.longtune.context.ReplacesContractTest;
import dev.longtune.context.linear.LinearScalingFactory;
import dev.longtune.context.linear.LinearScalingOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract, except its round trip: it expects the exported {@code rope_scaling} type to be one this factory
 * reads. A LongLoRA model is exported as what it is at inference, a linearly scaled model ({@code "linear"}), and
 * {@code linear} owns that type: if longlora claimed it too, any linear checkpoint could be loaded as LongLoRA (S²-Attn
 * in training, extra trainable parameters) depending on discovery order. So the replacement checks the round trip
 * that does happen: the export loads back through {@code linear} with the same frequencies (and, for a user who names
 * {@code longlora} again, binds to this factory's options with the same frequencies too).
 */
@ReplacesContractTest(test = "hfRopeScalingBindsBackToTheSameFrequencies",
        because = "a LongLoRA export is read back by 'linear', which owns rope_type 'linear'; "
                + "exportLoadsBackThroughLinearWithTheSameFrequencies checks that round trip")
class LongLoraConformanceTest extends ContextExtensionContract<LongLoraOptions> {

    @Override
    protected ContextExtensionFactory<LongLoraOptions> factory() {
        return new LongLoraFactory();
    }

    @Override
    protected ObjectNode sampleOptions() {
        return json("{\"factor\": 4.0, \"variant\": \"roll\", \"group_size_ratio\": 0.125}");
    }

    @Test
    void exportLoadsBackThroughLinearWithTheSameFrequencies() {
        ContextExtension ext = extension();
        Map<String, Object> hf = ext.hfRopeScaling(rope());
        assertEquals("linear", hf.get("rope_type"));
        LinearScalingFactory linear = new LinearScalingFactory();
        assertTrue(linear.hfRopeTypes().contains("linear"));
        assertFalse(factory().hfRopeTypes().contains("linear"), "linear owns the type");

        ObjectNode node = OptionsBinder.MAPPER.valueToTree(hf);
        LinearScalingOptions asLinear = OptionsBinder.bind(node.deepCopy(), LinearScalingOptions.class,
                "config.json rope_scaling", "rope_scaling", OptionsBinder.NO_LINES);
        int len = 2 * rope().maxPositionEmbeddings();
        float[] expected = ext.ropeScaling(rope()).inverseFrequencies(len);
        assertArrayEquals(expected, linear.create(asLinear).ropeScaling(rope()).inverseFrequencies(len), 0f);
        assertEquals(ext.extendedMaxPositions(rope().maxPositionEmbeddings()),
                linear.create(asLinear).extendedMaxPositions(rope().maxPositionEmbeddings()));

        LongLoraOptions asLongLora = OptionsBinder.bind(node.deepCopy(), LongLoraOptions.class,
                "config.json rope_scaling", "rope_scaling", OptionsBinder.NO_LINES);
        assertArrayEquals(expected, factory().create(asLongLora).ropeScaling(rope()).inverseFrequencies(len), 0f);
    }
}
