package dev.longtune.context.longrope;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import java.util.Set;

/**
 * {@code context: {type: longrope, short_factor: [...], long_factor: [...], factor: 32}}: LongRoPE as in Phi-3,
 * Hugging Face's {@code rope_type = "longrope"} (spec B.4).
 */
public final class LongRopeFactory implements ContextExtensionFactory<LongRopeOptions> {

    public static final String NAME = "longrope";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<LongRopeOptions> optionsType() {
        return LongRopeOptions.class;
    }

    @Override
    public String description() {
        return "LongRoPE (Phi-3): per-pair short/long divisors switched at the pretrained length (HF type "
                + "'longrope')";
    }

    /**
     * "longrope", and "su", the name the first Phi-3 128k checkpoints used for the same method (loaders such as
     * mlx-lm and vLLM's Phi-3 code read "su" as LongRoPE).
     */
    @Override
    public Set<String> hfRopeTypes() {
        return Set.of(NAME, "su");
    }

    @Override
    public ContextExtension create(LongRopeOptions options) {
        return new LongRope(options);
    }
}
