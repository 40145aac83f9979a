package dev.longtune.context.linear;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import java.util.Set;

/**
 * {@code context: {type: linear, factor: 4}}: Position Interpolation (Chen et al. 2023), Hugging Face's
 * {@code rope_scaling.type = "linear"}. See numerics spec B.1.
 */
public final class LinearScalingFactory implements ContextExtensionFactory<LinearScalingOptions> {

    public static final String NAME = "linear";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<LinearScalingOptions> optionsType() {
        return LinearScalingOptions.class;
    }

    @Override
    public String description() {
        return "Position Interpolation: positions divided by factor (HF rope_scaling type 'linear')";
    }

    @Override
    public Set<String> hfRopeTypes() {
        return Set.of(NAME);
    }

    @Override
    public ContextExtension create(LinearScalingOptions options) {
        return new LinearScaling(options);
    }
}
