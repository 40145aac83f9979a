package dev.longtune.serve;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.longtune.api.LanguageModel;
import dev.longtune.host.config.ConfigLoader;
import dev.longtune.host.config.ExperimentValidator;
import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import dev.longtune.host.run.ModelLoading;
import dev.longtune.testing.ProjectPaths;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Loads a real checkpoint folder on CPU exactly as {@code longtune generate} and {@code serve} do (the run's path). */
final class RealModels {

    private RealModels() {}

    static Path stories260K() {
        return ProjectPaths.examples().resolve("models/stories260K");
    }

    /** The model in {@code dir}, its parameters in a sub-manager of {@code root}. */
    static LanguageModel load(Path dir, NDManager root) throws IOException {
        PluginCatalog catalog = PluginHost.start(null, true);
        String yaml = "name: test\nmodel:\n  path: '" + dir.toAbsolutePath().toString().replace("'", "''") + "'\n";
        ResolvedExperiment exp = new ExperimentValidator(catalog)
                .resolve(ConfigLoader.fromText(yaml, dir.toAbsolutePath().resolve("test.yaml"), List.of()));
        return ModelLoading.load(exp, DataType.FLOAT32, Device.cpu(), root);
    }

    static NDManager cpuManager() {
        return NDManager.newBaseManager(Device.cpu());
    }
}
