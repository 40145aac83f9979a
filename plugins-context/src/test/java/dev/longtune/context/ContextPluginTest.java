package dev.longtune.context;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.api.PluginFamily;
import dev.longtune.context.linear.LinearScalingOptions;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContextPluginTest {

    @Test
    void isDiscoveredThroughItsServicesFile() {
        List<LongtunePlugin> plugins = ServiceLoader.load(LongtunePlugin.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof ContextPlugin)
                .toList();
        assertEquals(1, plugins.size());
        assertEquals(List.of("linear"), PluginFamily.CONTEXT.factoriesOf(plugins.get(0)).stream()
                .map(f -> f.name()).toList());
    }

    @Test
    void linearFactoryReadsHfLinearRopeScaling() {
        ContextExtensionFactory<?> linear = new ContextPlugin().contextExtensions().get(0);
        assertEquals(Set.of("linear"), linear.hfRopeTypes());
        assertEquals(LinearScalingOptions.class, linear.optionsType());
    }
}
