package dev.longtune.host.hub;

import dev.longtune.api.LongtuneException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Turns {@code model.path} into a local checkpoint folder: a folder relative to the config file when it exists,
 * otherwise a Hugging Face Hub id ({@code meta-llama/Meta-Llama-3-8B-Instruct}, {@code org/name@revision}, or
 * {@code hf://…} to say so explicitly) fetched into the shared Hugging Face cache.
 */
public final class ModelLocator {

    private final HubDownloader downloader;
    private final HubDownloader.Scope scope;

    public ModelLocator(HubSettings settings, HubDownloader.Scope scope, PrintStream log) {
        this.downloader = new HubDownloader(settings, log);
        this.scope = scope;
    }

    /** Weights and all, with the environment's hub settings, progress on stderr: what {@code run} needs. */
    public static ModelLocator forRun() {
        return new ModelLocator(HubSettings.fromEnvironment(), HubDownloader.Scope.FULL, System.err);
    }

    /** Only config and tokenizer files: what {@code validate} needs. */
    public static ModelLocator forValidation() {
        return new ModelLocator(HubSettings.fromEnvironment(), HubDownloader.Scope.METADATA, System.err);
    }

    /**
     * @param spec {@code model.path} as written
     * @param localBase the folder a relative local path is resolved against (the config file's)
     * @param where the YAML location for messages, e.g. {@code quickstart.yaml:3 model.path}
     */
    public Path locate(String spec, Path localBase, String where) {
        Optional<HubModelId> id = HubModelId.parse(spec);
        if (HubModelId.isExplicit(spec)) {
            if (id.isEmpty()) {
                throw new LongtuneException(where + ": '" + spec + "' is not a hub model id (hf://org/name or "
                        + "hf://org/name@revision)");
            }
            return downloader.snapshot(id.get(), scope);
        }
        Path local = localBase.resolve(spec).normalize();
        if (Files.exists(local) || id.isEmpty()) {
            return local; // missing local folders are reported by the caller, with its own wording
        }
        try {
            return downloader.snapshot(id.get(), scope);
        } catch (LongtuneException e) {
            // It may just as well be a mistyped local folder: say both readings.
            throw new LongtuneException(where + ": no local folder " + local + ", and as a Hugging Face Hub id: "
                    + e.getMessage(), e);
        }
    }
}
