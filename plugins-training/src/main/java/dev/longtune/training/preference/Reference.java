package dev.longtune.training.preference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.training.trains.TrainableStrategies;
import dev.longtune.training.trains.TrainableStrategy;
import java.util.List;
import java.util.Set;

/**
 * Where the reference log-probs of DPO/IPO and KTO come from ({@code method.reference}), and the validate-time checks
 * shared by every preference method's {@code trains:} option.
 */
public final class Reference {

    /** Reference log-probs computed once before training from the initial weights (the default). */
    public static final String PRECOMPUTE = "precompute";
    /** The policy with its adapters switched off, evaluated on every micro-batch (adapter strategies only). */
    public static final String ADAPTERS_DISABLED = "adapters_disabled";

    static final List<String> NAMES = List.of(PRECOMPUTE, ADAPTERS_DISABLED);

    /** Strategies that train the base weights themselves, so there is no frozen base to fall back to. */
    private static final Set<String> BASE_TRAINING = Set.of("full", "freeze");

    private Reference() {}

    /** {@code null}/JSON null becomes null (so options round-trip); anything else is checked by binding it. */
    static JsonNode checkTrains(JsonNode trains) {
        if (trains == null || trains.isNull()) {
            return null;
        }
        TrainableStrategies.create(trains, "method.trains");
        return trains;
    }

    /** The strategy named by {@code trains} ({@code full} when null). */
    static TrainableStrategy strategy(JsonNode trains) {
        return TrainableStrategies.create(trains, "method.trains");
    }

    static String checkReference(String reference, JsonNode trains, String method) {
        String r = reference == null ? PRECOMPUTE : reference;
        if (!NAMES.contains(r)) {
            throw new LongtuneException("method.reference: unknown reference '" + r + "' for method '" + method
                    + "'; valid: " + String.join(", ", NAMES));
        }
        if (ADAPTERS_DISABLED.equals(r)) {
            String name = strategy(trains).name();
            if (BASE_TRAINING.contains(name)) {
                throw new LongtuneException(noFrozenBase(method, name));
            }
        }
        return r;
    }

    static String noFrozenBase(String method, String strategy) {
        return "method.reference: adapters_disabled needs a frozen base model under adapters, but method.trains is '"
                + strategy + "', which trains the base weights themselves, so there is no frozen model to fall back "
                + "to. Use reference: precompute (the default: the reference log-probs come from the initial weights, "
                + "computed once before training) or an adapter strategy such as trains: {type: lora} (method '"
                + method + "')";
    }

    static int checkMaxPromptLength(Integer v) {
        if (v != null && v < 1) {
            throw new LongtuneException("method.max_prompt_length must be at least 1, got " + v);
        }
        return v == null ? 0 : v;
    }

    static void positive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new LongtuneException("method." + key + " must be a positive number, got " + v);
        }
    }
}
