package dev.longtune.context.longrope;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.context.support.HfRopeScalingMap;
import dev.longtune.context.support.PretrainedLength;
import java.util.Map;

/**
 * LongRoPE / Phi-3 (numerics spec B.4): searched per-pair divisors, one set for short and one for long sequences,
 * and an attention factor {@code sqrt(1 + ln(factor)/ln(L0))}. L0 is {@code original_max_position_embeddings} when
 * given, else the checkpoint's {@code max_position_embeddings}; {@code factor}, when absent, is
 * {@code max_position_embeddings / L0} (transformers' rule for Phi-3 style configs).
 *
 * <p>Any architecture with a rotary embedding is supported: the strategy only transforms {@link RopeParameters}.
 */
public final class LongRope implements ContextExtension {

    private final LongRopeOptions options;

    public LongRope(LongRopeOptions options) {
        this.options = options;
    }

    public LongRopeOptions options() {
        return options;
    }

    @Override
    public String name() {
        return LongRopeFactory.NAME;
    }

    @Override
    public RopeScaling ropeScaling(RopeParameters rope) {
        int pretrained = pretrained(rope.maxPositionEmbeddings());
        return new LongRopeFrequencies(rope, options, pretrained, attentionFactor(rope));
    }

    private int pretrained(int modelMaxPositions) {
        return PretrainedLength.of(options.originalMaxPositionEmbeddings(), modelMaxPositions);
    }

    /** The given factor, else {@code max_position_embeddings / L0}. */
    double factor(RopeParameters rope) {
        return options.factor() != null ? options.factor()
                : (double) rope.maxPositionEmbeddings() / pretrained(rope.maxPositionEmbeddings());
    }

    /** The given attention factor, else {@code sqrt(1 + ln(factor)/ln(L0))}, 1 when factor <= 1. */
    double attentionFactor(RopeParameters rope) {
        if (options.attentionFactor() != null) {
            return options.attentionFactor();
        }
        double factor = factor(rope);
        if (factor <= 1) {
            return 1.0;
        }
        return Math.sqrt(1 + Math.log(factor) / Math.log(pretrained(rope.maxPositionEmbeddings())));
    }

    /**
     * {@code round(L0·factor)} (never below the checkpoint's length) when a factor is given; without one the
     * checkpoint's own {@code max_position_embeddings} is already the extended length the factor is derived from.
     */
    @Override
    public int extendedMaxPositions(int originalMaxPositions) {
        if (options.factor() == null) {
            return originalMaxPositions;
        }
        return PretrainedLength.extended(originalMaxPositions, pretrained(originalMaxPositions), options.factor());
    }

    /**
     * Both factor lists, the resolved factor and L0 (so the reload neither re-derives the factor from the exported,
     * extended {@code max_position_embeddings} nor moves the short/long switch), and the attention factor when set.
     */
    @Override
    public Map<String, Object> hfRopeScaling(RopeParameters rope) {
        Map<String, Object> out = HfRopeScalingMap.ofType(LongRopeFactory.NAME);
        out.put("short_factor", options.shortFactor());
        out.put("long_factor", options.longFactor());
        out.put("factor", factor(rope));
        out.put("original_max_position_embeddings", pretrained(rope.maxPositionEmbeddings()));
        HfRopeScalingMap.putIfSet(out, "attention_factor", options.attentionFactor());
        return out;
    }
}
