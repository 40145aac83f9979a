package dev.longtune.api;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What the host hands a {@link ModelArchitecture} to load.
 *
 * @param directory Hugging Face checkpoint folder ({@code config.json}, safetensors, {@code tokenizer.json})
 * @param hfConfig the parsed {@code config.json}
 * @param contextExtension the run's context extension, or {@code null} to use what {@code config.json} says
 * @param dtype compute dtype of the weights (FLOAT32 on CPU, FLOAT16 on GPU)
 * @param device where the weights live
 * @param parentManager the model opens its own sub-manager under this one and closes it in {@code close()}
 */
public record ModelLoadRequest(
        Path directory,
        ObjectNode hfConfig,
        ContextExtension contextExtension,
        DataType dtype,
        Device device,
        NDManager parentManager) {

    public ModelLoadRequest {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(hfConfig, "hfConfig");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(parentManager, "parentManager");
    }
}
