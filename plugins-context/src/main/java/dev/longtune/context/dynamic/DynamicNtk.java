package dev.longtune.context.dynamic;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.context.support.HfRopeScalingMap;
import dev.longtune.context.support.PretrainedLength;
import java.util.Map;

/**
 * Dynamic NTK (emozilla, 2023; transformers' {@code "dynamic"}, numerics spec B.2): the default frequencies up to L0,
 * and past it NTK-aware scaling whose strength grows with the sequence length. Works without fine-tuning; the
 * attention factor stays 1. See {@link DynamicNtkFrequencies} for when the frequencies are recomputed.
 *
 * <p>Any architecture with a rotary embedding is supported: the strategy only transforms {@link RopeParameters}.
 */
public final class DynamicNtk implements ContextExtension {

    private final DynamicNtkOptions options;

    public DynamicNtk(DynamicNtkOptions options) {
        this.options = options;
    }

    public DynamicNtkOptions options() {
        return options;
    }

    @Override
    public String name() {
        return DynamicNtkFactory.NAME;
    }

    /** A fresh stateful table per call: each model gets its own cached length. */
    @Override
    public RopeScaling ropeScaling(RopeParameters rope) {
        return new DynamicNtkFrequencies(rope, options.factor(), pretrained(rope.maxPositionEmbeddings()));
    }

    private int pretrained(int modelMaxPositions) {
        return PretrainedLength.of(options.originalMaxPositionEmbeddings(), modelMaxPositions);
    }

    /**
     * {@code factor·L0}: transformers' documented meaning of {@code factor} ("a factor of x enables sequences of x
     * times the original length"). Dynamic NTK itself has no hard limit.
     */
    @Override
    public int extendedMaxPositions(int originalMaxPositions) {
        return PretrainedLength.extended(originalMaxPositions, pretrained(originalMaxPositions), options.factor());
    }

    /**
     * {@code {"rope_type": "dynamic", "factor": f, "original_max_position_embeddings": L0}}. Caveat for transformers:
     * it computes dynamic NTK relative to {@code max_position_embeddings}, which the export sets to the extended
     * length, and ignores {@code original_max_position_embeddings}; so transformers scales only past {@code factor·L0}
     * where Longtune scales past L0. Longtune reloads its own export exactly.
     */
    @Override
    public Map<String, Object> hfRopeScaling(RopeParameters rope) {
        Map<String, Object> out = HfRopeScalingMap.ofType(DynamicNtkFactory.NAME);
        out.put("factor", options.factor());
        out.put("original_max_position_embeddings", pretrained(rope.maxPositionEmbeddings()));
        return out;
    }
}
