package dev.longtune.context.slidingwindow;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.context.support.OptionChecks;

/**
 * Options of {@code sliding_window} ({@code context: {type: sliding_window, window: 256}}).
 *
 * @param window how many keys each query sees, itself included (Hugging Face's convention; spec A.3 / G.4);
 *     required, at least 1
 * @param maxPositionEmbeddings the context length the model declares with the window; null for the pretrained
 *     length. RoPE is unchanged, and with a window every query-key distance stays below {@code window}, all of
 *     them seen in pretraining when the window is not longer than the pretrained context, so the model can run
 *     past its pretrained length with a rolling cache (Mistral-style). Past it, the absolute positions are new
 *     and quality is not guaranteed (e.g. StreamingLLM's loss of the first tokens), so going further is an explicit
 *     choice; never below the pretrained length
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
// No @JsonIgnoreProperties({"type", "rope_type"}): this record never binds from a config.json rope_scaling node (a
// sliding window is not a rope_scaling type), so those keys are typos here like any other.
public record SlidingWindowOptions(Integer window, Integer maxPositionEmbeddings) {

    public SlidingWindowOptions {
        OptionChecks.required(window, "window", "how many keys each query attends to, itself included "
                + "(Mistral 7B: 4096)");
        if (window < 1) {
            throw new IllegalArgumentException("'window' must be at least 1, was " + window);
        }
        OptionChecks.positive(maxPositionEmbeddings, "max_position_embeddings");
    }

    /** A window and the pretrained length. */
    public static SlidingWindowOptions ofWindow(int window) {
        return new SlidingWindowOptions(window, null);
    }
}
