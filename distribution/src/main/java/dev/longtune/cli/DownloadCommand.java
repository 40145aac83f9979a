package dev.longtune.cli;

import dev.longtune.api.LongtuneException;
import dev.longtune.host.hub.HubDownloader;
import dev.longtune.host.hub.HubModelId;
import dev.longtune.host.hub.HubSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code longtune download ORG/NAME[@REVISION]}: fetches what Longtune reads of a hub model into the Hugging Face
 * cache and prints the snapshot folder — for login nodes with network before a run on nodes without
 * ({@code HF_HUB_OFFLINE=1} there), and to see where a model landed.
 */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = "Fetch a Hugging Face Hub model (config, tokenizer, safetensors) into the Hugging Face cache "
                + "(HF_HOME / HF_HUB_CACHE; token from HF_TOKEN) and print its folder.")
final class DownloadCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ORG/NAME[@REVISION]")
    String model;

    @Option(names = "--metadata-only", description = "Only config, tokenizer and generation files (no weights).")
    boolean metadataOnly;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        HubModelId id = HubModelId.parse(model).orElseThrow(() -> new LongtuneException("'" + model
                + "' is not a hub model id: expected org/name or org/name@revision"));
        Path snapshot = new HubDownloader(HubSettings.fromEnvironment(), System.err)
                .snapshot(id, metadataOnly ? HubDownloader.Scope.METADATA : HubDownloader.Scope.FULL);
        PrintWriter out = spec.commandLine().getOut();
        out.println(snapshot);
        out.flush();
        return 0;
    }
}
