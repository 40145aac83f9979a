package dev.longtune.cli;

import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.serve.OpenAiServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code longtune serve --model DIR}: serves a checkpoint (a fine-tuned run's {@code model/} too) over an
 * OpenAI-compatible HTTP API until stopped (Ctrl-C), so it can be the candidate or the judge of an evaluation.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a Hugging Face checkpoint folder over an OpenAI-compatible HTTP API: "
                + "POST /v1/chat/completions, POST /v1/completions, GET /v1/models (streaming with \"stream\": true).",
                "Prints one line 'Serving <name> on http://<host>:<port>/v1' once it listens; stop it with Ctrl-C."})
final class ServeCommand implements Callable<Integer> {

    @ParentCommand
    LongtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face checkpoint folder.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "LoRA/DoRA adapter in Hugging Face PEFT layout, merged into the model before serving.")
    Path adapter;

    @Option(names = "--model-name", paramLabel = "NAME",
            description = "The model id clients send as \"model\" (listed by /v1/models). Default: the folder's name.")
    String modelName;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to listen on. Default: ${DEFAULT-VALUE} (this machine only; 0.0.0.0 for all).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "Port; 0 = any free port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--max-queued", defaultValue = "" + OpenAiServer.DEFAULT_MAX_QUEUED, paramLabel = "N",
            description = "Requests that may wait for the model (one generates at a time); more get 503. "
                    + "Default: ${DEFAULT-VALUE}.")
    int maxQueued;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu, gpu:N")
    String device;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new LongtuneException("--port must be from 0 to 65535, got " + port);
        }
        String name = modelName != null ? modelName : model.toAbsolutePath().normalize().getFileName().toString();
        if (name.isBlank()) {
            throw new LongtuneException("--model-name must not be blank");
        }
        try (ModelSession session = ModelSession.open(parent, model, device)) {
            LanguageModel lm = session.model();
            if (adapter != null) {
                lm.mergeAdapter(adapter);
            }
            OpenAiServer server = OpenAiServer.start(lm, name, host, port, maxQueued);
            Thread stopper = new Thread(server::close, "longtune-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(stopper);
            PrintWriter out = spec.commandLine().getOut();
            // Exactly one line on stdout: scripts wait for it and take the URL from it.
            out.println("Serving " + name + " on " + server.baseUrl());
            out.flush();
            server.join();
        }
        return 0;
    }
}
