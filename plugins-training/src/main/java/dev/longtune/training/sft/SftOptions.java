package dev.longtune.training.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.training.trains.TrainableStrategies;
import dev.longtune.training.trains.TrainableStrategy;

/**
 * Options of the {@code sft} method.
 *
 * <pre>
 * method:
 *   type: sft
 *   trains: {type: lora, r: 16, alpha: 32, target_modules: all-linear}   # what trains; default {type: full}
 * </pre>
 *
 * @param trainEmbeddings shorthand for {@code trains: {type: full, train_embeddings: ...}} (kept for existing
 *     configs; only with a {@code full} strategy): train the token embedding and the output head; default true.
 *     Folded into {@code trains} when bound, so the accessor returns null
 * @param freezeLayers shorthand for {@code trains: {type: full, freeze_layers: n}}: keep the first {@code n} decoder
 *     layers frozen; default 0. Folded into {@code trains} like {@code trainEmbeddings}
 * @param trains the "what trains" strategy ({@link TrainableStrategies}): a name or {@code {type: ..., options}};
 *     bound (and so validated) when these options are bound
 * @param auxLoss add the model's auxiliary training loss (Mixtral: {@code router_aux_loss_coef} × router
 *     load-balancing loss) to the loss and log it as {@code aux_loss}; default true; no effect on dense models.
 *     transformers adds it only when the checkpoint's {@code output_router_logits} is true (false in Mixtral's
 *     published configs): set false to train as transformers does with such a config
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SftOptions(Boolean trainEmbeddings, Integer freezeLayers, JsonNode trains, Boolean auxLoss) {

    public SftOptions {
        auxLoss = auxLoss == null || auxLoss;
        if (freezeLayers != null && freezeLayers < 0) {
            throw new LongtuneException("'freeze_layers' must be >= 0, got " + freezeLayers);
        }
        trains = effectiveTrains(trainEmbeddings, freezeLayers, trains);
        // The shorthands live on in trains (so the options round-trip through YAML); read back they are null.
        trainEmbeddings = null;
        freezeLayers = null;
        TrainableStrategies.create(trains, "method.trains"); // fail at validate time, not after loading the model
    }

    /** Full fine-tuning with the given shorthands (no {@code trains:}). */
    public SftOptions(Boolean trainEmbeddings, Integer freezeLayers) {
        this(trainEmbeddings, freezeLayers, null, null);
    }

    /** With the default {@code aux_loss} (on). */
    public SftOptions(Boolean trainEmbeddings, Integer freezeLayers, JsonNode trains) {
        this(trainEmbeddings, freezeLayers, trains, null);
    }

    /** All defaults: every parameter trains. */
    public static SftOptions defaults() {
        return new SftOptions(null, null, null, null);
    }

    /** A fresh strategy from {@link #trains()}. */
    public TrainableStrategy strategy() {
        return TrainableStrategies.create(trains, "method.trains");
    }

    private static JsonNode effectiveTrains(Boolean trainEmbeddings, Integer freezeLayers, JsonNode trains) {
        boolean shorthand = trainEmbeddings != null || freezeLayers != null;
        ObjectNode spec;
        if (trains == null || trains.isNull()) {
            spec = JsonNodeFactory.instance.objectNode().put("type", "full");
        } else if (trains.isTextual()) {
            spec = JsonNodeFactory.instance.objectNode().put("type", trains.asText());
        } else if (trains instanceof ObjectNode o) {
            spec = o.deepCopy();
        } else {
            return trains; // TrainableStrategies reports the error
        }
        JsonNode type = spec.get("type");
        boolean full = type == null || "full".equals(type.asText());
        if (!shorthand) {
            return full ? canonicalFull(spec) : spec;
        }
        if (type != null && !"full".equals(type.asText())) {
            throw new LongtuneException("'train_embeddings' and 'freeze_layers' apply to trains: full; with trains: "
                    + type.asText() + " drop them");
        }
        if (trainEmbeddings != null) {
            if (spec.has("train_embeddings")) {
                throw new LongtuneException("'train_embeddings' is given both directly and under 'trains'");
            }
            spec.put("train_embeddings", trainEmbeddings);
        }
        if (freezeLayers != null) {
            if (spec.has("freeze_layers")) {
                throw new LongtuneException("'freeze_layers' is given both directly and under 'trains'");
            }
            spec.put("freeze_layers", freezeLayers);
        }
        return canonicalFull(spec);
    }

    /** {@code full} with its defaults written out, so equal configurations compare equal. */
    private static ObjectNode canonicalFull(ObjectNode spec) {
        spec.put("type", "full");
        if (!spec.has("train_embeddings")) {
            spec.put("train_embeddings", true);
        }
        if (!spec.has("freeze_layers")) {
            spec.put("freeze_layers", 0);
        }
        return spec;
    }
}
