package dev.longtune.training.trains;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.Suggestions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "what trains" strategies every method accepts in its {@code trains:} option:
 *
 * <pre>
 * method:
 *   type: dpo
 *   beta: 0.1
 *   trains: {type: lora, r: 16, alpha: 32, target_modules: all-linear}
 * </pre>
 *
 * Absent, it is {@code {type: full}}. Binding happens when the method's options are bound, i.e. at validate time.
 *
 * <p>Built in: {@code full} ({@link FullStrategy}), {@code freeze} ({@link FreezeStrategy}), and {@code lora},
 * {@code dora}, {@code qlora} ({@link LoraStrategy}).
 */
public final class TrainableStrategies {

    private static final Map<String, TrainableStrategyFactory<?>> FACTORIES = new LinkedHashMap<>();

    static {
        register(new FullStrategy.Factory());
        register(new FreezeStrategy.Factory());
        register(new LoraStrategy.Factory(LoraStrategy.Variant.LORA));
        register(new LoraStrategy.Factory(LoraStrategy.Variant.DORA));
        register(new LoraStrategy.Factory(LoraStrategy.Variant.QLORA));
    }

    private TrainableStrategies() {}

    /** Adds a strategy (built-ins register themselves here; names must be unique). */
    public static synchronized void register(TrainableStrategyFactory<?> factory) {
        if (FACTORIES.putIfAbsent(factory.name(), factory) != null) {
            throw new IllegalStateException("duplicate trainable strategy " + factory.name());
        }
    }

    public static synchronized List<String> names() {
        return List.copyOf(FACTORIES.keySet());
    }

    /** The default: every parameter trains. */
    public static TrainableStrategy full() {
        return create(null, "trains");
    }

    /**
     * Binds a {@code trains:} node ({@code null} means {@code {type: full}}).
     *
     * @param where the node's YAML path for messages ({@code method.trains})
     */
    public static TrainableStrategy create(JsonNode node, String where) {
        ObjectNode spec;
        if (node == null || node.isNull()) {
            spec = JsonNodeFactory.instance.objectNode().put("type", "full");
        } else if (node.isTextual()) {
            spec = JsonNodeFactory.instance.objectNode().put("type", node.asText());
        } else if (node instanceof ObjectNode o) {
            spec = o.deepCopy();
        } else {
            throw new LongtuneException(where + ": expected a strategy name or {type: ..., options}, got " + node);
        }
        JsonNode type = spec.remove("type");
        String name = type == null ? "full" : type.asText();
        TrainableStrategyFactory<?> factory;
        synchronized (TrainableStrategies.class) {
            factory = FACTORIES.get(name);
        }
        if (factory == null) {
            throw new LongtuneException(where + ".type: unknown trainable strategy '" + name + "'"
                    + Suggestions.didYouMean(name, names()) + " (known: " + String.join(", ", names()) + ")");
        }
        return bindAndCreate(factory, spec, where);
    }

    private static <O> TrainableStrategy bindAndCreate(TrainableStrategyFactory<O> factory, ObjectNode spec,
            String where) {
        O options = OptionsBinder.bind(spec, factory.optionsType(), "trainable strategy '" + factory.name() + "'",
                where, OptionsBinder.NO_LINES);
        try {
            return factory.create(options);
        } catch (IllegalArgumentException e) {
            throw new LongtuneException(where + ": invalid options for trainable strategy '" + factory.name() + "': "
                    + e.getMessage());
        }
    }
}
