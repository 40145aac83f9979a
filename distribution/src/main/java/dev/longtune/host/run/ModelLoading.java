package dev.longtune.host.run;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.host.config.ResolvedExperiment;
import java.io.IOException;

/** Loads the model a resolved experiment names, with its context extension applied. */
public final class ModelLoading {

    private ModelLoading() {}

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static LanguageModel load(ResolvedExperiment exp, DataType dtype, Device device, NDManager parent)
            throws IOException {
        ModelArchitecture arch = exp.model().factory();
        ModelLoadRequest request = new ModelLoadRequest(exp.modelDir(), exp.hfConfig(), exp.contextExtension(), dtype,
                device, parent);
        return arch.load(exp.model().options(), request);
    }

    /**
     * float32 on CPU, float16 on GPU (DJL's PyTorch engine has no bfloat16), unless {@code model.dtype} says otherwise
     * ({@code float16} also works on the CPU). A float16 model trains in mixed precision: the training loop keeps
     * float32 master weights and scales the loss dynamically (see {@code TrainingLoop}).
     */
    public static DataType dtypeFor(ResolvedExperiment exp, Device device) {
        if (exp.dtype() != null) {
            return exp.dtype();
        }
        return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
    }
}
