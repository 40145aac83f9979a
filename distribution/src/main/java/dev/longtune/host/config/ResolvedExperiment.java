package dev.longtune.host.config;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.config.ExperimentConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An experiment checked against the installed plugins and the file system: every plugin found and its options
 * bound, every path resolved and present. What {@code validate} proves and {@code run} executes.
 *
 * @param context the context extension (from the config, or from {@code config.json}'s {@code rope_scaling}), or null
 * @param contextExtension {@code context}'s extension, created (cheap, no tensors)
 * @param method the fine-tuning method, or null to evaluate only
 * @param trainData training file, or null when there is no method
 * @param evalData held-out file, or null (then {@code data.eval_split} of the training records, if any)
 * @param dtype {@code null} means "auto" (decided once the device is known)
 */
public record ResolvedExperiment(
        LoadedConfig source,
        Path outputDir,
        Path modelDir,
        ObjectNode hfConfig,
        Bound<ModelArchitecture<?>> model,
        Bound<ContextExtensionFactory<?>> context,
        ContextExtension contextExtension,
        Bound<FineTuningMethodFactory<?>> method,
        List<Bound<EvaluatorFactory<?>>> evaluators,
        Path trainData,
        Path evalData,
        DataType dtype) {

    public ExperimentConfig config() {
        return source.config();
    }

    /** Every plugin the run uses, for the manifest. */
    public List<Bound<?>> plugins() {
        List<Bound<?>> all = new ArrayList<>();
        all.add(model);
        if (context != null) {
            all.add(context);
        }
        if (method != null) {
            all.add(method);
        }
        all.addAll(evaluators);
        return all;
    }
}
