package dev.longtune.context.slidingwindow;

import dev.longtune.api.AttentionPattern;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mistral-style sliding-window attention: each query sees the last {@code window} keys, in training and in
 * inference, and the KV cache keeps only that many positions. Positions are not rescaled.
 *
 * <p>Supports every architecture: the attention pattern is a contract of the architecture (one that does not
 * implement {@link AttentionPattern.SlidingWindow} must fail loudly when asked for it).
 */
public final class SlidingWindow implements ContextExtension {

    private final SlidingWindowOptions options;
    private final AttentionPattern pattern;

    public SlidingWindow(SlidingWindowOptions options) {
        this.options = options;
        this.pattern = new AttentionPattern.SlidingWindow(options.window());
    }

    public SlidingWindowOptions options() {
        return options;
    }

    @Override
    public String name() {
        return SlidingWindowFactory.NAME;
    }

    /** Unchanged: a window restricts which keys are seen, not how positions rotate. */
    @Override
    public RopeScaling ropeScaling(RopeParameters rope) {
        return RopeScaling.none(rope);
    }

    /** The same pattern in training and inference (Mistral trains and serves with the window). */
    @Override
    public AttentionPattern attention(boolean training) {
        return pattern;
    }

    /** {@code max_position_embeddings} from the options, else the pretrained length; never shorter than it. */
    @Override
    public int extendedMaxPositions(int originalMaxPositions) {
        Integer declared = options.maxPositionEmbeddings();
        if (declared == null) {
            return originalMaxPositions;
        }
        if (declared < originalMaxPositions) {
            throw new LongtuneException("sliding_window max_position_embeddings " + declared + " is below the "
                    + "model's pretrained " + originalMaxPositions + "; a window never shortens the context (leave "
                    + "the key out to keep " + originalMaxPositions + ")");
        }
        return declared;
    }

    /**
     * {@code {"rope_type": "default"}}: the rotary embedding is unscaled, and transformers reads the key as that
     * (the host skips "default" too). The window itself belongs in the top-level {@code sliding_window} key of
     * {@code config.json}, which this hook cannot write; an export through this hook alone loses the window.
     */
    @Override
    public Map<String, Object> hfRopeScaling(RopeParameters rope) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rope_type", "default");
        return out;
    }
}
