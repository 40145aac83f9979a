package dev.longtune.training.trains;

import dev.longtune.api.AttentionPattern;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.util.List;
import java.util.Map;

/**
 * LongLoRA's trainables without its attention: a context extension that changes nothing but declares the embeddings
 * and every norm trainable, so adapter runs save them as PEFT modules_to_save. Shared by the LoRA strategy and
 * adapter-checkpoint tests.
 */
record EmbedNormExtension() implements ContextExtension {
    @Override
    public String name() {
        return "embed-norm-test";
    }

    @Override
    public RopeScaling ropeScaling(RopeParameters rope) {
        return RopeScaling.none(rope);
    }

    @Override
    public int extendedMaxPositions(int originalMaxPositions) {
        return originalMaxPositions;
    }

    @Override
    public Map<String, Object> hfRopeScaling(RopeParameters rope) {
        return Map.of();
    }

    @Override
    public AttentionPattern attention(boolean training) {
        return AttentionPattern.CAUSAL;
    }

    @Override
    public List<String> trainableParameters() {
        return List.of("embed", "norm");
    }
}
