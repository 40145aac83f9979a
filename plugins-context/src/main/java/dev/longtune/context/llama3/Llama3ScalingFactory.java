package dev.longtune.context.llama3;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import java.util.Set;

/**
 * {@code context: {type: llama3, factor: 8, low_freq_factor: 1, high_freq_factor: 4,
 * original_max_position_embeddings: 8192}}: Llama 3.1 scaling, Hugging Face's {@code rope_type = "llama3"} (spec
 * B.5). Also what the host picks for a Llama 3.1+ checkpoint's own {@code rope_scaling}.
 */
public final class Llama3ScalingFactory implements ContextExtensionFactory<Llama3ScalingOptions> {

    public static final String NAME = "llama3";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Llama3ScalingOptions> optionsType() {
        return Llama3ScalingOptions.class;
    }

    @Override
    public String description() {
        return "Llama 3.1 scaling: keep high, divide low, smooth the middle frequencies (HF type 'llama3')";
    }

    @Override
    public Set<String> hfRopeTypes() {
        return Set.of(NAME);
    }

    @Override
    public ContextExtension create(Llama3ScalingOptions options) {
        return new Llama3Scaling(options);
    }
}
