package dev.longtune.context;

import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.context.linear.LinearScalingFactory;
import java.util.List;

/**
 * The built-in context-extension strategies. Listed in {@code META-INF/services/dev.longtune.api.LongtunePlugin};
 * a new strategy is one more factory in this list.
 */
public final class ContextPlugin implements LongtunePlugin {

    @Override
    public List<ContextExtensionFactory<?>> contextExtensions() {
        return List.of(new LinearScalingFactory());
    }
}
