package dev.longtune.cli;

import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LanguageModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code longtune generate --model DIR --prompt TEXT}: prints the continuation as it is generated. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with a Hugging Face checkpoint folder (a fine-tuned run's model/ too).")
final class GenerateCommand implements Callable<Integer> {

    @ParentCommand
    LongtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face checkpoint folder.")
    Path model;

    @Option(names = "--prompt", defaultValue = "", paramLabel = "TEXT", description = "Prompt (BOS is added). Default: empty.")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "128", paramLabel = "N")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0 = greedy (default).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "0 = off.")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "1 = off.")
    float topP;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Option(names = "--ignore-eos", description = "Keep generating after the end-of-sequence token.")
    boolean ignoreEos;

    @Option(names = "--no-bos", description = "Do not put the BOS token in front of the prompt.")
    boolean noBos;

    @Option(names = "--print-ids", description = "After the text, print the generated token ids as a JSON array.")
    boolean printIds;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu, gpu:N")
    String device;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "LoRA/DoRA adapter in Hugging Face PEFT layout, merged into the model before generating.")
    Path adapter;

    @Override
    public Integer call() throws java.io.IOException {
        PrintWriter out = spec.commandLine().getOut();
        try (ModelSession session = ModelSession.open(parent, model, device)) {
            LanguageModel lm = session.model();
            if (adapter != null) {
                lm.mergeAdapter(adapter);
            }
            int[] ids = noBos ? lm.tokenizer().encode(prompt) : lm.tokenizer().encodeWithBos(prompt);
            GenerationOptions options = new GenerationOptions(maxNewTokens, temperature, topK, topP, seed, !ignoreEos);
            StreamingPrinter printer = new StreamingPrinter(lm, out);
            Generation g = lm.generate(ids, options, printer);
            printer.finish(g.text());
            if (printIds) {
                out.println(Arrays.toString(g.tokenIds()));
            }
            out.flush();
            System.err.printf(Locale.ROOT, "[%d tokens, %.1f tokens/s]%n", g.tokenIds().length, g.tokensPerSecond());
        }
        return 0;
    }

    /** Prints text as tokens arrive: decodes everything so far and prints what is new (BPE merges need context). */
    private static final class StreamingPrinter implements LanguageModel.TokenListener {
        private final LanguageModel lm;
        private final PrintWriter out;
        private final List<Integer> ids = new ArrayList<>();
        private String printed = "";

        StreamingPrinter(LanguageModel lm, PrintWriter out) {
            this.lm = lm;
            this.out = out;
        }

        @Override
        public void onToken(int tokenId) {
            ids.add(tokenId);
            String text = lm.tokenizer().decode(ids.stream().mapToInt(Integer::intValue).toArray());
            if (text.startsWith(printed)) {
                out.print(text.substring(printed.length()));
                out.flush();
                printed = text;
            }
        }

        void finish(String full) {
            if (full.startsWith(printed)) {
                out.print(full.substring(printed.length()));
            }
            out.println();
        }
    }
}
