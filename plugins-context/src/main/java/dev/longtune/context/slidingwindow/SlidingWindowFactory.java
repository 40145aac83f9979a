package dev.longtune.context.slidingwindow;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import java.util.Set;

/** {@code context: {type: sliding_window, window: 256}}: Mistral-style sliding-window attention, RoPE unchanged. */
public final class SlidingWindowFactory implements ContextExtensionFactory<SlidingWindowOptions> {

    public static final String NAME = "sliding_window";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<SlidingWindowOptions> optionsType() {
        return SlidingWindowOptions.class;
    }

    @Override
    public String description() {
        return "Sliding-window attention (Mistral style): each query sees the last 'window' keys; RoPE unchanged";
    }

    /**
     * None: a sliding window is not a {@code rope_scaling} type (Mistral/Qwen2 declare it in the top-level
     * {@code sliding_window} key), so no checkpoint's {@code rope_scaling} selects this factory.
     */
    @Override
    public Set<String> hfRopeTypes() {
        return Set.of();
    }

    @Override
    public ContextExtension create(SlidingWindowOptions options) {
        return new SlidingWindow(options);
    }
}
