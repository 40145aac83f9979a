package dev.longtune.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.api.PluginFactory;
import dev.longtune.api.PluginFamily;
import dev.longtune.api.config.OptionsBinder;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The contract every plugin factory keeps, whatever its family. Subclass it (through the family's contract) in the
 * plugin's own tests:
 *
 * <pre>
 * class LinearScalingConformanceTest extends ContextExtensionContract&lt;LinearScalingOptions&gt; {
 *     protected PluginFactory&lt;LinearScalingOptions&gt; factory() { return new LinearScalingFactory(); }
 *     protected ObjectNode sampleOptions() { return json("{\"factor\": 2.0}"); }
 * }
 * </pre>
 *
 * @param <O> the factory's options record
 */
public abstract class PluginFactoryContract<O> {

    /** The factory under test. */
    protected abstract PluginFactory<O> factory();

    /** A valid options node, as a user would write it in YAML (without {@code type}). */
    protected abstract ObjectNode sampleOptions();

    /** The family the factory belongs to. */
    protected abstract PluginFamily family();

    /** Parses a JSON object literal, for {@link #sampleOptions()}. */
    protected static ObjectNode json(String text) {
        try {
            return (ObjectNode) OptionsBinder.MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** Binds the sample options the way the host does. */
    protected O sampleBound() {
        return OptionsBinder.bind(sampleOptions().deepCopy(), factory().optionsType(), "test", "test",
                OptionsBinder.NO_LINES);
    }

    @Test
    void nameIsAStableLowerCaseIdentifier() {
        String name = factory().name();
        assertNotNull(name);
        assertTrue(name.matches("[a-z][a-z0-9_]*"), "names are lower-case letters, digits and _: " + name);
    }

    @Test
    void optionsAreARecord() {
        assertTrue(factory().optionsType().isRecord(), "options must be a record: " + factory().optionsType());
    }

    @Test
    void sampleOptionsBindAndRoundTrip() {
        O bound = sampleBound();
        assertNotNull(bound);
        ObjectNode written = OptionsBinder.MAPPER.valueToTree(bound);
        O again = OptionsBinder.bind(written, factory().optionsType(), "test", "test", OptionsBinder.NO_LINES);
        assertEquals(bound, again, "options written back to YAML/JSON must bind to the same record");
    }

    @Test
    void unknownKeysAreRejectedNamingTheKey() {
        ObjectNode node = sampleOptions().deepCopy();
        node.put("no_such_key_zz", 1);
        LongtuneException e = assertThrows(LongtuneException.class, () -> OptionsBinder.bind(node,
                factory().optionsType(), "test", "section", OptionsBinder.NO_LINES));
        assertTrue(e.getMessage().contains("no_such_key_zz"), e.getMessage());
    }

    @Test
    void isProvidedThroughServiceLoader() {
        boolean found = false;
        for (LongtunePlugin plugin : ServiceLoader.load(LongtunePlugin.class)) {
            for (PluginFactory<?> f : family().factoriesOf(plugin)) {
                if (f.name().equals(factory().name()) && f.getClass() == factory().getClass()) {
                    found = true;
                }
            }
        }
        assertTrue(found, "no LongtunePlugin listed in META-INF/services/" + LongtunePlugin.class.getName()
                + " provides the " + family().title() + " '" + factory().name() + "'");
    }
}
