package dev.longtune.cli;

import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code longtune export --model DIR --format hf|gguf [--dtype f32|f16] --out PATH}: loads the model as
 * {@code generate} does and writes it with {@link LanguageModel#export}. GGUF in F16 is the model's
 * {@code gguf-f16} format.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a checkpoint folder (a fine-tuned run's model/ too) as a Hugging Face folder or a GGUF "
                + "file for llama.cpp / Ollama.")
final class ExportCommand implements Callable<Integer> {

    @ParentCommand
    LongtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face checkpoint folder.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "LoRA/DoRA adapter in Hugging Face PEFT layout (e.g. a run's adapter/), merged before export.")
    Path adapter;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "hf or gguf (or any format "
            + "the model lists).")
    String format;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|f16",
            description = "Weight type of a GGUF file. Default: f32 (lossless).")
    String dtype;

    @Option(names = "--out", required = true, paramLabel = "PATH",
            description = "Folder for hf, file for gguf (replaced atomically if it exists).")
    Path out;

    @Option(names = "--device", defaultValue = "cpu", description = "Where to load the model: cpu (default), auto, "
            + "gpu, gpu:N.")
    String device;

    @Override
    public Integer call() throws IOException {
        String d = dtype.toLowerCase(Locale.ROOT);
        if (!d.equals("f32") && !d.equals("f16")) {
            throw new LongtuneException("--dtype must be f32 or f16, not '" + dtype + "'");
        }
        String fmt = format.toLowerCase(Locale.ROOT);
        if (d.equals("f16")) {
            if (fmt.equals("hf")) {
                throw new LongtuneException("--dtype f16 applies to gguf; the hf format is written in F32");
            }
            if (!fmt.endsWith("-f16")) {
                fmt = fmt + "-f16";
            }
        }
        PrintWriter pw = spec.commandLine().getOut();
        try (ModelSession session = ModelSession.open(parent, model, device)) {
            LanguageModel lm = session.model();
            if (adapter != null) {
                lm.mergeAdapter(adapter);
            }
            Set<String> formats = lm.exportFormats();
            if (!formats.contains(fmt)) {
                throw new LongtuneException("the " + lm.architecture() + " model cannot be exported as '" + fmt
                        + "'; formats: " + String.join(", ", formats) + " (f16 GGUF: --format gguf --dtype f16)");
            }
            lm.export(fmt, out);
        }
        pw.println("exported " + model + " as " + fmt + " to " + out.toAbsolutePath().normalize());
        pw.flush();
        return 0;
    }
}
