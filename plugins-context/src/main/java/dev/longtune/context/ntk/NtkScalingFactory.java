package dev.longtune.context.ntk;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import java.util.Set;

/**
 * {@code context: {type: ntk, factor: 4}}: static NTK-aware scaling, {@code base' = base·factor^(d/(d-2))}. See
 * {@link NtkScaling} for the derivation and its relation to {@code dynamic}.
 */
public final class NtkScalingFactory implements ContextExtensionFactory<NtkScalingOptions> {

    public static final String NAME = "ntk";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<NtkScalingOptions> optionsType() {
        return NtkScalingOptions.class;
    }

    @Override
    public String description() {
        return "Static NTK-aware scaling: RoPE base raised to base*factor^(d/(d-2)) (no released HF type; "
                + "exported as 'ntk')";
    }

    /**
     * Only "ntk": mainline transformers has no such type (its "dynamic" is length-dependent and belongs to
     * {@code dynamic}); the name is what {@link NtkScaling#hfRopeScaling} writes, so Longtune's own exports load
     * back.
     */
    @Override
    public Set<String> hfRopeTypes() {
        return Set.of(NAME);
    }

    @Override
    public ContextExtension create(NtkScalingOptions options) {
        return new NtkScaling(options);
    }
}
