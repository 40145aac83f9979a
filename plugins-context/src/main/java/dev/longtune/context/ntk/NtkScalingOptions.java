package dev.longtune.context.ntk;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.context.support.OptionChecks;

/**
 * Options of {@code ntk} ({@code context: {type: ntk, factor: 4}}), with the key names of Hugging Face's
 * {@code rope_scaling} so the same record binds from YAML and from a {@code config.json} node.
 *
 * @param factor how many times longer the extended context is (the NTK "alpha"); at least 1
 * @param originalMaxPositionEmbeddings the pretrained context length when the checkpoint's
 *     {@code max_position_embeddings} is not it (an exported checkpoint stores the extended length there); null to
 *     use the checkpoint's value. Only the declared context length depends on it: static NTK's frequencies do not
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
// type / rope_type select the factory; they are accepted and ignored. Any other unknown key is rejected.
@JsonIgnoreProperties({"type", "rope_type"})
public record NtkScalingOptions(Double factor, Integer originalMaxPositionEmbeddings) {

    public NtkScalingOptions {
        OptionChecks.factor(factor);
        OptionChecks.positive(originalMaxPositionEmbeddings, "original_max_position_embeddings");
    }

    /** Options with just a factor. */
    public static NtkScalingOptions ofFactor(double factor) {
        return new NtkScalingOptions(factor, null);
    }
}
