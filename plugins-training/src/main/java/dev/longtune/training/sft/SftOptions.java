package dev.longtune.training.sft;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.api.LongtuneException;

/**
 * Options of the {@code sft} method (full fine-tuning).
 *
 * @param trainEmbeddings train the token embedding (and the output head when it is a separate tensor); default true
 * @param freezeLayers keep the first {@code n} decoder layers ({@code model.layers.0} .. {@code n-1}) frozen;
 *     default 0 (everything trains)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SftOptions(Boolean trainEmbeddings, Integer freezeLayers) {

    public SftOptions {
        trainEmbeddings = trainEmbeddings == null || trainEmbeddings;
        freezeLayers = freezeLayers == null ? 0 : freezeLayers;
        if (freezeLayers < 0) {
            throw new LongtuneException("'freeze_layers' must be >= 0, got " + freezeLayers);
        }
    }

    /** All defaults: every parameter trains. */
    public static SftOptions defaults() {
        return new SftOptions(null, null);
    }
}
