package dev.longtune.context;

import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.context.dynamic.DynamicNtkFactory;
import dev.longtune.context.linear.LinearScalingFactory;
import dev.longtune.context.llama3.Llama3ScalingFactory;
import dev.longtune.context.longlora.LongLoraFactory;
import dev.longtune.context.longrope.LongRopeFactory;
import dev.longtune.context.ntk.NtkScalingFactory;
import dev.longtune.context.slidingwindow.SlidingWindowFactory;
import dev.longtune.context.yarn.YarnFactory;
import java.util.List;

/**
 * The built-in context-extension strategies. Listed in {@code META-INF/services/dev.longtune.api.LongtunePlugin};
 * a new strategy is one more factory in this list.
 *
 * <p>The RoPE strategies (linear, ntk, dynamic, yarn, llama3, longrope) support every architecture: they only map
 * {@link dev.longtune.api.RopeParameters} to frequencies, which any rotary architecture provides. longlora and
 * sliding_window also change the attention pattern, which the architecture implements or refuses loudly. Each
 * {@code rope_scaling} type is claimed by exactly one factory (longlora and sliding_window claim none), so the
 * host's choice for a checkpoint's {@code config.json} never depends on discovery order.
 */
public final class ContextPlugin implements LongtunePlugin {

    @Override
    public List<ContextExtensionFactory<?>> contextExtensions() {
        return List.of(new LinearScalingFactory(), new NtkScalingFactory(), new DynamicNtkFactory(),
                new YarnFactory(), new Llama3ScalingFactory(), new LongRopeFactory(), new LongLoraFactory(),
                new SlidingWindowFactory());
    }
}
