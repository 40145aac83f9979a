package dev.longtune.models;

import dev.longtune.api.AttentionPattern;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.util.List;
import java.util.Map;

/**
 * A test-only context extension that changes nothing but the attention pattern (and, optionally, the extra trainable
 * parameters), standing in for the context plugin's {@code longlora} and {@code sliding_window} strategies.
 */
public final class TestExtension implements ContextExtension {

    private final AttentionPattern training;
    private final AttentionPattern inference;
    private final List<String> trainables;

    public TestExtension(AttentionPattern training, AttentionPattern inference, List<String> trainables) {
        this.training = training;
        this.inference = inference;
        this.trainables = trainables;
    }

    /** The same pattern in training and inference (a sliding window). */
    public static TestExtension always(AttentionPattern pattern) {
        return new TestExtension(pattern, pattern, List.of());
    }

    /** A pattern in training only, causal inference (LongLoRA's S²-Attn). */
    public static TestExtension training(AttentionPattern pattern) {
        return new TestExtension(pattern, AttentionPattern.CAUSAL, List.of());
    }

    @Override
    public String name() {
        return "test";
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
    public AttentionPattern attention(boolean isTraining) {
        return isTraining ? training : inference;
    }

    @Override
    public List<String> trainableParameters() {
        return trainables;
    }
}
