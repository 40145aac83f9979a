package dev.longtune.context.longlora;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.context.support.OptionChecks;
import java.util.Arrays;
import java.util.List;

/**
 * Options of {@code longlora} ({@code context: {type: longlora, factor: 4}}); the names follow LongLoRA's scripts
 * (numerics spec C) and Hugging Face's {@code rope_scaling} keys.
 *
 * @param factor Position Interpolation factor (LongLoRA sets {@code ceil(model_max_length / original context)});
 *     at least 1
 * @param originalMaxPositionEmbeddings the pretrained length when the checkpoint's {@code max_position_embeddings}
 *     is not it; null for the checkpoint's value
 * @param groupSizeRatio S²-Attn group size as a fraction of the training sequence length; default 0.25
 *     (LongLoRA's {@code group_size_ratio = 1/4}), in (0, 1]
 * @param variant {@code flash} (default) or {@code roll}: how the shifted half of the heads treats the sequence
 *     ends. {@code flash} is LongLoRA's default path ({@code use_flash_attn=True}), the one its paper's training
 *     runs used: half-size groups at both ends, no wrap-around. {@code roll} is the reference's non-flash path,
 *     whose last shifted group wraps around to the first tokens. They differ (spec G.9), so the choice is explicit
 * @param trainableParams comma-separated substrings of parameter names trained besides the adapter, like
 *     {@code fine-tune.py --trainable_params}; default {@code "embed,norm"} (embeddings and every norm, not
 *     {@code lm_head}); an empty string trains the adapter only
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
// type / rope_type: a LongLoRA model is exported as linear scaling, so the node it would bind from carries them.
@JsonIgnoreProperties({"type", "rope_type"})
public record LongLoraOptions(Double factor, Integer originalMaxPositionEmbeddings, Double groupSizeRatio,
        String variant, String trainableParams) {

    /** The two S²-Attn variants. */
    public static final String FLASH = "flash";
    public static final String ROLL = "roll";

    public LongLoraOptions {
        OptionChecks.factor(factor);
        OptionChecks.positive(originalMaxPositionEmbeddings, "original_max_position_embeddings");
        groupSizeRatio = groupSizeRatio != null ? groupSizeRatio : 0.25;
        if (!(groupSizeRatio > 0 && groupSizeRatio <= 1)) {
            throw new IllegalArgumentException("'group_size_ratio' must be in (0, 1] (LongLoRA uses 0.25: groups of "
                    + "a quarter of the sequence), was " + groupSizeRatio);
        }
        variant = variant != null ? variant : FLASH;
        if (!variant.equals(FLASH) && !variant.equals(ROLL)) {
            throw new IllegalArgumentException("'variant' must be 'flash' (no wrap-around, what LongLoRA trained "
                    + "with) or 'roll' (the reference's wrap-around path), was '" + variant + "'");
        }
        trainableParams = trainableParams != null ? trainableParams : "embed,norm";
    }

    /** Options with just a factor, everything else at LongLoRA's defaults. */
    public static LongLoraOptions ofFactor(double factor) {
        return new LongLoraOptions(factor, null, null, null, null);
    }

    /** Whether the shifted groups wrap around ({@code roll}). */
    public boolean wrap() {
        return ROLL.equals(variant);
    }

    /** {@link #trainableParams} split on commas, trimmed, blanks dropped. */
    public List<String> trainableParamList() {
        return Arrays.stream(trainableParams.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
