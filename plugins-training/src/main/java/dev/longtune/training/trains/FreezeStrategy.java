package dev.longtune.training.trains;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RunContext;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code freeze} (LLaMA-Factory's "freeze" tuning): everything is frozen except the last {@code trainable_layers}
 * decoder layers (negative: the first |n|), optionally only their {@code trainable_modules}, plus
 * {@code extra_modules} outside the layers:
 *
 * <pre>
 * trains: {type: freeze, trainable_layers: 2, trainable_modules: [mlp], extra_modules: [norm]}
 * </pre>
 *
 * Names match as substrings of the parameter name after the layer prefix ({@code mlp} matches
 * {@code model.layers.5.mlp.down_proj.weight}; extra {@code norm} matches {@code model.norm.weight}). The context
 * extension's parameters (LongLoRA's {@code embed}, {@code norm}) always train. The result is a full model, saved in
 * Hugging Face layout.
 */
public final class FreezeStrategy implements TrainableStrategy {

    private static final Pattern LAYER = Pattern.compile("^model\\.layers\\.(\\d+)\\.(.*)$");

    /**
     * @param trainableLayers how many decoder layers train: the last n (n > 0) or the first |n| (n < 0); default 2
     * @param trainableModules within those layers, only parameters containing one of these names (default: all)
     * @param extraModules parameters outside the decoder layers that train too (e.g. {@code embed_tokens},
     *     {@code lm_head}, {@code norm}); default none
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Options(Integer trainableLayers, List<String> trainableModules, List<String> extraModules) {
        public Options {
            trainableLayers = trainableLayers == null ? 2 : trainableLayers;
            if (trainableLayers == 0) {
                throw new IllegalArgumentException("trainable_layers must not be 0");
            }
            trainableModules = trainableModules == null || trainableModules.contains("all") ? List.of()
                    : List.copyOf(trainableModules);
            extraModules = extraModules == null ? List.of() : List.copyOf(extraModules);
        }
    }

    /** Factory for {@code type: freeze}. */
    public static final class Factory implements TrainableStrategyFactory<Options> {
        @Override
        public String name() {
            return "freeze";
        }

        @Override
        public Class<Options> optionsType() {
            return Options.class;
        }

        @Override
        public TrainableStrategy create(Options options) {
            return new FreezeStrategy(options);
        }
    }

    private final Options options;

    public FreezeStrategy(Options options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "freeze";
    }

    @Override
    public Prepared prepare(LanguageModel model, RunContext context) {
        int layers = model.config().numLayers();
        int n = options.trainableLayers();
        if (Math.abs(n) > layers) {
            throw new LongtuneException("trains: freeze: trainable_layers=" + n + " but the model has " + layers
                    + " layers");
        }
        int from = n > 0 ? layers - n : 0;
        int to = n > 0 ? layers : -n;
        return BaseWeights.prepare(model, name -> {
            Matcher m = LAYER.matcher(name);
            if (m.matches()) {
                int i = Integer.parseInt(m.group(1));
                return i >= from && i < to && (options.trainableModules().isEmpty()
                        || options.trainableModules().stream().anyMatch(m.group(2)::contains));
            }
            return options.extraModules().stream().anyMatch(name::contains);
        }, () -> "trains: freeze: trainable_modules " + options.trainableModules()
                + " match no parameter of the trainable layers");
    }
}
