package dev.longtune.training.trains;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.RunContext;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code full}: the model's own weights train — all of them, or all but the embeddings ({@code train_embeddings:
 * false}) and/or the first {@code freeze_layers} decoder layers. Parameters the context extension declares
 * (LongLoRA's embeddings and norms) always train.
 */
public final class FullStrategy implements TrainableStrategy {

    private static final Pattern LAYER = Pattern.compile("^model\\.layers\\.(\\d+)\\.");

    /**
     * @param trainEmbeddings train {@code embed_tokens} and {@code lm_head} (default true)
     * @param freezeLayers number of leading decoder layers kept frozen (default 0)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Options(Boolean trainEmbeddings, Integer freezeLayers) {
        public Options {
            trainEmbeddings = trainEmbeddings == null || trainEmbeddings;
            freezeLayers = freezeLayers == null ? 0 : freezeLayers;
            if (freezeLayers < 0) {
                throw new IllegalArgumentException("freeze_layers must be >= 0, was " + freezeLayers);
            }
        }
    }

    /** Factory for {@code type: full}. */
    public static final class Factory implements TrainableStrategyFactory<Options> {
        @Override
        public String name() {
            return "full";
        }

        @Override
        public Class<Options> optionsType() {
            return Options.class;
        }

        @Override
        public TrainableStrategy create(Options options) {
            return new FullStrategy(options);
        }
    }

    private final Options options;

    public FullStrategy(Options options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "full";
    }

    @Override
    public Prepared prepare(LanguageModel model, RunContext context) {
        return BaseWeights.prepare(model, this::trains, () -> "trains: full with freeze_layers="
                + options.freezeLayers() + " and train_embeddings=" + options.trainEmbeddings()
                + " freezes every parameter of the model");
    }

    private boolean trains(String name) {
        if (!options.trainEmbeddings() && (name.contains("embed_tokens") || name.startsWith("lm_head"))) {
            return false;
        }
        Matcher m = LAYER.matcher(name);
        return !(m.find() && Integer.parseInt(m.group(1)) < options.freezeLayers());
    }
}
