package dev.longtune.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.longtune.api.LanguageModel;
import dev.longtune.host.config.ConfigLoader;
import dev.longtune.host.config.DeviceSpec;
import dev.longtune.host.config.ExperimentValidator;
import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.hub.HubModelId;
import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import dev.longtune.host.run.ModelLoading;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model loaded from a checkpoint folder for the commands that take {@code --model} ({@code generate},
 * {@code export}): the folder goes through the run machinery (plugins, validation, context extension from
 * {@code config.json}), so loading behaves exactly as in {@code run}. Closing it frees the model and its memory.
 */
final class ModelSession implements AutoCloseable {

    private final NDManager root;
    private final LanguageModel model;

    private ModelSession(NDManager root, LanguageModel model) {
        this.root = root;
        this.model = model;
    }

    /**
     * Starts the plugin host, resolves {@code modelDir} as the run would, and loads it on {@code device}
     * ({@code auto}, {@code cpu}, {@code gpu}, {@code gpu:N}) in the run's dtype for that device.
     */
    static ModelSession open(LongtuneCommand parent, Path modelDir, String device) throws IOException {
        PluginCatalog catalog = PluginHost.start(parent.pluginsDir(), true);
        ResolvedExperiment exp = resolve(catalog, modelDir);
        Device dev = DeviceSpec.parse(device, "--device").resolve(Engine.getInstance());
        DataType dtype = ModelLoading.dtypeFor(exp, dev);
        NDManager root = NDManager.newBaseManager(dev);
        try {
            return new ModelSession(root, ModelLoading.load(exp, dtype, dev, root));
        } catch (IOException | RuntimeException | Error e) {
            root.close();
            throw e;
        }
    }

    /** A config built from the folder alone, validated like a run's. */
    static ResolvedExperiment resolve(PluginCatalog catalog, Path modelDir) {
        // A folder that does not exist but reads as org/name is a Hugging Face Hub id (ModelLocator fetches it).
        boolean hubId = !java.nio.file.Files.exists(modelDir) && HubModelId.parse(modelDir.toString()).isPresent();
        String path = hubId ? modelDir.toString() : modelDir.toAbsolutePath().toString();
        String yaml = "name: cli\nmodel:\n  path: '" + path.replace("'", "''") + "'\n";
        Path pretend = Path.of("").toAbsolutePath().resolve("--model");
        return new ExperimentValidator(catalog).resolve(ConfigLoader.fromText(yaml, pretend, List.of()));
    }

    LanguageModel model() {
        return model;
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            root.close();
        }
    }
}
