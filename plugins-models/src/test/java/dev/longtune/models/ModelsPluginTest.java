package dev.longtune.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.LongtunePlugin;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.NoOptions;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelsPluginTest {

    @Test
    void discoveredThroughServiceLoaderWithLlama() {
        ModelArchitecture<?> llama = ServiceLoader.load(LongtunePlugin.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof ModelsPlugin)
                .findFirst()
                .orElseThrow()
                .modelArchitectures()
                .get(0);
        assertEquals("llama", llama.name());
        assertEquals(Set.of("llama"), llama.modelTypes());
        assertEquals(NoOptions.class, llama.optionsType());
        assertTrue(!llama.description().isEmpty());
    }
}
