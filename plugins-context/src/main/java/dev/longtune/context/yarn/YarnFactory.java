package dev.longtune.context.yarn;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import java.util.Set;

/** {@code context: {type: yarn, factor: 4}}: YaRN, Hugging Face's {@code rope_scaling.type = "yarn"} (spec B.3). */
public final class YarnFactory implements ContextExtensionFactory<YarnOptions> {

    public static final String NAME = "yarn";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<YarnOptions> optionsType() {
        return YarnOptions.class;
    }

    @Override
    public String description() {
        return "YaRN: per-frequency ramp between extrapolation and interpolation, plus attention temperature "
                + "(HF type 'yarn')";
    }

    @Override
    public Set<String> hfRopeTypes() {
        return Set.of(NAME);
    }

    @Override
    public ContextExtension create(YarnOptions options) {
        return new Yarn(options);
    }
}
