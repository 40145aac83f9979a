package dev.longtune.context.linear;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Options of {@code linear}, named like Hugging Face's {@code rope_scaling} keys so the same record binds from an
 * experiment YAML ({@code context: {type: linear, factor: 4}}) and from a checkpoint's {@code config.json}
 * ({@code "rope_scaling": {"type": "linear", "factor": 4.0}}).
 *
 * @param factor how many times longer the extended context is; positions are divided by it. At least 1 (1 leaves
 *     the model unchanged, which is useful as a control run)
 * @param originalMaxPositionEmbeddings the pretrained context length, when the checkpoint's
 *     {@code max_position_embeddings} is not it (some configs store the already-extended length); null to use the
 *     checkpoint's value
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
// type / rope_type are accepted and ignored: the host already chose this factory by that value, and a rope_scaling
// node carries one or both (older transformers write "type", newer "rope_type"). Any other unknown key is rejected
// (OptionsBinder checks keys before this record's constructor runs, so a typo is reported as a typo).
@JsonIgnoreProperties({"type", "rope_type"})
public record LinearScalingOptions(Double factor, Integer originalMaxPositionEmbeddings) {

    public LinearScalingOptions {
        if (factor == null) {
            throw new IllegalArgumentException("'factor' is required: how many times the context is extended, "
                    + "e.g. factor: 4 turns a 4096-token model into a 16384-token one");
        }
        if (!(factor >= 1.0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("'factor' must be a finite number >= 1 (positions are divided by it; "
                    + "below 1 would shrink the context), was " + factor);
        }
        if (originalMaxPositionEmbeddings != null && originalMaxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("'original_max_position_embeddings' must be positive, was "
                    + originalMaxPositionEmbeddings);
        }
    }

    /** Options with just a factor. */
    public static LinearScalingOptions ofFactor(double factor) {
        return new LinearScalingOptions(factor, null);
    }
}
