package dev.longtune.context.linear;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;

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
@JsonDeserialize(builder = LinearScalingOptions.Builder.class)
public record LinearScalingOptions(double factor, Integer originalMaxPositionEmbeddings) {

    public LinearScalingOptions {
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

    /**
     * What Jackson binds into. Why not the record's constructor directly: with a constructor, Jackson calls it
     * <em>before</em> it reports unknown keys, so a misspelt required key ({@code facter: 4}) would surface as
     * "'factor' is required" instead of the binder's "unknown key 'facter' ... did you mean 'factor'". A builder
     * sees keys one by one, so an unknown key fails first; {@link #build} then applies the record's checks.
     *
     * <p>{@code type} and {@code rope_type} are accepted and ignored: the host has already chosen this factory by
     * that value, and a {@code rope_scaling} node carries one or both (older transformers write {@code type}, newer
     * {@code rope_type}). Every other unknown key is still rejected.
     */
    @JsonPOJOBuilder(withPrefix = "")
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties({"type", "rope_type"})
    static final class Builder {
        private Double factor;
        private Integer originalMaxPositionEmbeddings;

        Builder factor(Double value) {
            this.factor = value;
            return this;
        }

        Builder originalMaxPositionEmbeddings(Integer value) {
            this.originalMaxPositionEmbeddings = value;
            return this;
        }

        LinearScalingOptions build() {
            if (factor == null) {
                throw new IllegalArgumentException("'factor' is required: how many times the context is extended, "
                        + "e.g. factor: 4 turns a 4096-token model into a 16384-token one");
            }
            return new LinearScalingOptions(factor, originalMaxPositionEmbeddings);
        }
    }
}
