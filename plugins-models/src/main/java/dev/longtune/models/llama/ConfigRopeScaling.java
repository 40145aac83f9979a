package dev.longtune.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.nio.file.Path;

/**
 * The rotary scaling a checkpoint's own {@code config.json} asks for, used when the run has no context extension.
 * Pretrained checkpoints ship with {@code linear} or {@code llama3} (Llama 3.1+); anything else must be given as a
 * context extension, so it is refused here rather than silently ignored.
 */
final class ConfigRopeScaling {

    private ConfigRopeScaling() {}

    static RopeScaling of(ObjectNode raw, RopeParameters rope, Path file) {
        JsonNode rs = raw.get("rope_scaling");
        if ((rs == null || rs.isNull()) && raw.has("rope_parameters")) {
            rs = raw.get("rope_parameters"); // newest transformers: one object with rope_type and rope_theta
        }
        if (rs == null || rs.isNull()) {
            return RopeScaling.none(rope);
        }
        String type = rs.path("rope_type").asText(rs.path("type").asText("default"));
        switch (type) {
            case "default":
                return RopeScaling.none(rope);
            case "linear": {
                double factor = factor(rs, file);
                float[] inv = rope.defaultInverseFrequencies();
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = (float) (inv[i] / factor);
                }
                return length -> inv.clone();
            }
            case "llama3":
                return llama3(rs, rope, file);
            default:
                throw new LongtuneException(file + ": rope_scaling type '" + type + "' is not built into the llama "
                        + "architecture; configure it as a context extension (context: {type: " + type + "})");
        }
    }

    private static double factor(JsonNode rs, Path file) {
        double f = rs.path("factor").asDouble(0);
        if (f <= 0) {
            throw new LongtuneException(file + ": rope_scaling.factor must be positive");
        }
        return f;
    }

    /** transformers {@code _compute_llama3_parameters} (spec B.5). */
    private static RopeScaling llama3(JsonNode rs, RopeParameters rope, Path file) {
        double factor = factor(rs, file);
        double low = rs.path("low_freq_factor").asDouble(1.0);
        double high = rs.path("high_freq_factor").asDouble(4.0);
        double l0 = rs.path("original_max_position_embeddings").asDouble(8192);
        double lowWavelen = l0 / low;
        double highWavelen = l0 / high;
        float[] inv = rope.defaultInverseFrequencies();
        for (int i = 0; i < inv.length; i++) {
            float f = inv[i];
            double wavelen = 2 * Math.PI / f;
            if (wavelen < highWavelen) {
                continue;
            }
            if (wavelen > lowWavelen) {
                inv[i] = (float) (f / factor);
            } else {
                double s = (l0 / wavelen - low) / (high - low);
                inv[i] = (float) ((1 - s) * f / factor + s * f);
            }
        }
        return length -> inv.clone();
    }
}
