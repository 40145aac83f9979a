package dev.longtune.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.api.PluginFamily;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.api.config.OptionsBinder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Contract of a context-extension plugin. */
public abstract class ContextExtensionContract<O> extends PluginFactoryContract<O> {

    @Override
    protected abstract ContextExtensionFactory<O> factory();

    @Override
    protected PluginFamily family() {
        return PluginFamily.CONTEXT;
    }

    /** A Llama-2-like rotary embedding (head_dim 128, base 1e4, 4096 positions). */
    protected RopeParameters rope() {
        return new RopeParameters(128, 10000.0, 4096);
    }

    protected ContextExtension extension() {
        return factory().create(sampleBound());
    }

    @Test
    void frequenciesAreFinitePositiveAndHalfTheRotaryDimension() {
        RopeScaling s = extension().ropeScaling(rope());
        for (int len : new int[] {1, rope().maxPositionEmbeddings(), 4 * rope().maxPositionEmbeddings()}) {
            float[] inv = s.inverseFrequencies(len);
            assertEquals(rope().rotaryDim() / 2, inv.length);
            for (float f : inv) {
                assertTrue(Float.isFinite(f) && f > 0, "inverse frequency " + f + " at length " + len);
            }
        }
        assertTrue(s.attentionFactor() > 0 && Float.isFinite(s.attentionFactor()));
    }

    @Test
    void extensionDoesNotShrinkTheContext() {
        int orig = rope().maxPositionEmbeddings();
        assertTrue(extension().extendedMaxPositions(orig) >= orig);
    }

    @Test
    void hfRopeScalingBindsBackToTheSameFrequencies() {
        ContextExtension ext = extension();
        Map<String, Object> hf = ext.hfRopeScaling(rope());
        Object type = hf.containsKey("rope_type") ? hf.get("rope_type") : hf.get("type");
        assertTrue(factory().hfRopeTypes().contains(String.valueOf(type)),
                "rope_scaling type " + type + " must be one the factory reads: " + factory().hfRopeTypes());
        ObjectNode node = OptionsBinder.MAPPER.valueToTree(hf);
        O fromHf = OptionsBinder.bind(node, factory().optionsType(), "config.json rope_scaling", "rope_scaling",
                OptionsBinder.NO_LINES);
        ContextExtension again = factory().create(fromHf);
        int len = 2 * rope().maxPositionEmbeddings();
        assertArrayEquals(ext.ropeScaling(rope()).inverseFrequencies(len),
                again.ropeScaling(rope()).inverseFrequencies(len), 0f,
                "a model exported with this extension must load back with the same rotary frequencies");
    }
}
