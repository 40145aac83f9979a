package dev.longtune.context.longlora;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import java.util.Set;

/**
 * {@code context: {type: longlora, factor: 4}}: LongLoRA, i.e. Position Interpolation plus shifted sparse attention
 * in training and trainable embeddings/norms (numerics spec C).
 */
public final class LongLoraFactory implements ContextExtensionFactory<LongLoraOptions> {

    public static final String NAME = "longlora";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<LongLoraOptions> optionsType() {
        return LongLoraOptions.class;
    }

    @Override
    public String description() {
        return "LongLoRA: Position Interpolation, shifted sparse attention (S2-Attn) in training, embed/norm "
                + "trained (exported as HF 'linear')";
    }

    /**
     * None. A LongLoRA checkpoint's {@code config.json} says {@code "linear"}, and {@code linear} owns that type:
     * if this factory claimed it too, every linearly scaled checkpoint could be loaded with S²-Attn and extra
     * trainable parameters, depending on discovery order. No {@code rope_scaling} type means "LongLoRA".
     */
    @Override
    public Set<String> hfRopeTypes() {
        return Set.of();
    }

    @Override
    public ContextExtension create(LongLoraOptions options) {
        return new LongLora(options);
    }
}
