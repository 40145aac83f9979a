package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.LinearLayer;
import dev.longtune.api.LongtuneException;
import dev.longtune.models.io.SafetensorsReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Folds a PEFT LoRA/DoRA adapter into a model's weights (numerics spec D.1/D.2): {@code W += s·B·A} with
 * {@code s = lora_alpha / r} ({@code / √r} with rsLoRA); DoRA then rescales each output row to the learned magnitude,
 * {@code W' = m / ‖W + s·B·A‖_row · (W + s·B·A)}. Tensors that are not LoRA weights ({@code modules_to_save}, e.g.
 * LongLoRA's embeddings and norms) replace the model's tensor of the same name. Keys follow PEFT's saved names:
 * {@code base_model.model.<module>.lora_A.weight}, {@code ….lora_B.weight}, {@code ….lora_magnitude_vector}.
 */
final class PeftAdapterMerger {

    static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapterMerger() {}

    static void merge(LlamaModel model, Path dir) throws IOException {
        Path configFile = dir.resolve("adapter_config.json");
        Path weightsFile = dir.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(configFile) || !Files.isRegularFile(weightsFile)) {
            throw new LongtuneException("adapter folder " + dir + " must hold adapter_config.json and "
                    + "adapter_model.safetensors (Hugging Face PEFT layout)");
        }
        JsonNode config = JSON.readTree(configFile.toFile());
        String type = config.path("peft_type").asText("LORA");
        if (!type.equalsIgnoreCase("LORA")) {
            throw new LongtuneException(configFile + ": peft_type '" + type + "' is not LORA; only LoRA/DoRA "
                    + "adapters can be merged");
        }
        int r = config.path("r").asInt(0);
        if (r < 1) {
            throw new LongtuneException(configFile + ": 'r' must be a positive integer");
        }
        double alpha = config.path("lora_alpha").asDouble(r);
        double scaling = config.path("use_rslora").asBoolean(false) ? alpha / Math.sqrt(r) : alpha / r;

        Map<String, LinearLayer> linears = model.linearLayers();
        Map<String, NDArray> params = model.parameters();
        try (SafetensorsReader reader = SafetensorsReader.open(weightsFile);
                NDManager tmp = model.manager().newSubManager()) {
            Map<String, Map<String, NDArray>> lora = new TreeMap<>();
            Map<String, NDArray> replace = new LinkedHashMap<>();
            for (String key : reader.tensors().keySet()) {
                String name = key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
                NDArray value = reader.read(key, tmp, DataType.FLOAT32);
                String suffix = loraSuffix(name);
                if (suffix != null) {
                    String module = name.substring(0, name.length() - suffix.length() - 1);
                    String part = suffix.startsWith("lora_magnitude_vector") ? "lora_magnitude_vector" : suffix;
                    lora.computeIfAbsent(module, k -> new LinkedHashMap<>()).put(part, value);
                } else {
                    replace.put(name.replace(".modules_to_save.default", ""), value);
                }
            }
            for (var e : lora.entrySet()) {
                LinearLayer layer = linears.get(e.getKey());
                if (layer == null || layer.weight() == null) {
                    throw new LongtuneException(weightsFile + ": the adapter targets '" + e.getKey() + "', which this "
                            + model.architecture() + " model does not have as a linear layer");
                }
                NDArray a = e.getValue().get("lora_A.weight");
                NDArray b = e.getValue().get("lora_B.weight");
                if (a == null || b == null) {
                    throw new LongtuneException(weightsFile + ": module '" + e.getKey() + "' lacks lora_A or lora_B");
                }
                NDArray w = layer.weight();
                NDArray delta = b.matMul(a).mul(tmp.full(new Shape(), (float) scaling, DataType.FLOAT32));
                if (!delta.getShape().equals(w.getShape())) {
                    throw new LongtuneException(weightsFile + ": module '" + e.getKey() + "' gives B·A of shape "
                            + delta.getShape() + " but the model's weight is " + w.getShape());
                }
                NDArray merged = delta.add(w.toType(DataType.FLOAT32, false));
                NDArray magnitude = e.getValue().get("lora_magnitude_vector");
                if (magnitude != null) {
                    NDArray rowNorm = merged.square().sum(new int[] {1}, true).sqrt();
                    merged = merged.mul(magnitude.reshape(-1, 1).div(rowNorm));
                }
                assign(w, merged);
            }
            for (var e : replace.entrySet()) {
                NDArray target = params.get(e.getKey());
                if (target == null) {
                    throw new LongtuneException(weightsFile + ": tensor '" + e.getKey() + "' is neither a LoRA weight "
                            + "nor a parameter of this model");
                }
                if (!target.getShape().equals(e.getValue().getShape())) {
                    throw new LongtuneException(weightsFile + ": tensor '" + e.getKey() + "' has shape "
                            + e.getValue().getShape() + " but the model's is " + target.getShape());
                }
                assign(target, e.getValue());
            }
        }
    }

    /** The LoRA suffix of a key ("lora_A.weight", "lora_B.weight", "lora_magnitude_vector[.weight]"), or null. */
    private static String loraSuffix(String name) {
        for (String p : new String[] {"lora_A.weight", "lora_B.weight", "lora_magnitude_vector.weight",
                "lora_magnitude_vector"}) {
            if (name.endsWith("." + p)) {
                return p;
            }
        }
        return null;
    }

    /** Writes {@code value} into {@code target}'s own storage (in place: every holder of the array sees it). */
    private static void assign(NDArray target, NDArray value) {
        NDArray v = value.toType(target.getDataType(), false);
        target.subi(target).addi(v);
    }
}
