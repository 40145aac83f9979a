package dev.longtune.context.dynamic;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import java.util.Set;

/**
 * {@code context: {type: dynamic, factor: 2}}: dynamic NTK, Hugging Face's {@code rope_scaling.type = "dynamic"}.
 * See numerics spec B.2.
 */
public final class DynamicNtkFactory implements ContextExtensionFactory<DynamicNtkOptions> {

    public static final String NAME = "dynamic";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<DynamicNtkOptions> optionsType() {
        return DynamicNtkOptions.class;
    }

    @Override
    public String description() {
        return "Dynamic NTK: RoPE base grows with the sequence length past the pretrained one (HF type 'dynamic')";
    }

    @Override
    public Set<String> hfRopeTypes() {
        return Set.of(NAME);
    }

    @Override
    public ContextExtension create(DynamicNtkOptions options) {
        return new DynamicNtk(options);
    }
}
