package dev.longtune.host.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.DataRecord;
import dev.longtune.api.GeneratedText;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.PromptCompletion;
import dev.longtune.api.config.GenerationConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sample generations, before and after training, appended to {@code samples.jsonl} so a person can read what
 * training changed. Prompts come from {@code generation.prompts}, else from the first held-out records (with their
 * completions kept as references), answered by the phase's shared generation pass ({@link HostGenerations}).
 */
final class Samples {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final GenerationConfig config;
    private final LanguageModel model;
    private final HostRunContext ctx;
    private final PrintStream console;
    private final List<Map<String, Object>> rows = new ArrayList<>();

    Samples(GenerationConfig config, LanguageModel model, HostRunContext ctx, PrintStream console) {
        this.config = config;
        this.model = model;
        this.ctx = ctx;
        this.console = console;
    }

    /**
     * Writes the phase's samples. Held-out records are answered through {@code generations}, the phase's shared
     * pass: the samples are the first {@code generation.samples} held-out records, which generating evaluators ask
     * for too, so nothing is generated twice. Explicit {@code generation.prompts}, and plain-text records (no prompt
     * of their own: their first words become one), are generated here.
     */
    void write(String phase, List<DataRecord> heldOut, HostGenerations generations) throws IOException {
        if (config.maxNewTokens() == 0) {
            return;
        }
        if (!config.prompts().isEmpty()) {
            for (String p : config.prompts()) {
                sampleOwnPrompt(phase, new PromptCompletion(p, null), generations.options());
            }
            return;
        }
        List<DataRecord> chosen = heldOut.subList(0, Math.min(config.samples(), heldOut.size()));
        List<DataRecord> prompted = new ArrayList<>();
        for (DataRecord r : chosen) {
            if (!ctx.format(r).prompt().isEmpty()) {
                prompted.add(r);
            }
        }
        Map<DataRecord, GeneratedText> answers = new java.util.HashMap<>();
        for (GeneratedText t : generations.generate(prompted)) {
            answers.put(t.record(), t);
        }
        for (DataRecord r : chosen) {
            GeneratedText t = answers.get(r);
            if (t == null) {
                sampleOwnPrompt(phase, textPrompt(ctx.format(r)), generations.options());
            } else {
                add(phase, t.prompt(), t.output(), t.reference(), t.outputTokens(), generations.tokensPerSecond(r));
            }
        }
    }

    private void sampleOwnPrompt(String phase, PromptCompletion p, GenerationOptions options) throws IOException {
        int[] ids = model.tokenizer().encodeWithBos(p.prompt());
        Generation g = model.generate(ids, options, LanguageModel.TokenListener.NONE);
        add(phase, p.prompt(), g.text(), p.completion(), g.tokenIds().length, g.tokensPerSecond());
    }

    private void add(String phase, String prompt, String generation, String reference, int tokens,
            double tokensPerSecond) throws IOException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("phase", phase);
        row.put("prompt", prompt);
        row.put("generation", generation);
        if (reference != null) {
            row.put("reference", reference);
        }
        row.put("tokens", tokens);
        row.put("tokens_per_s", tokensPerSecond);
        rows.add(row);
        Files.writeString(ctx.outputDir().resolve("samples.jsonl"), JSON.writeValueAsString(row) + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        console.printf("Sample (%s): %s▶ %s%n", phase, shorten(prompt), shorten(generation));
    }

    List<Map<String, Object>> rows() {
        return rows;
    }

    /** Plain text has no prompt: prompt with its first words, the rest is the reference. */
    private static PromptCompletion textPrompt(PromptCompletion pc) {
        String[] words = pc.completion().split(" ");
        int k = Math.min(6, Math.max(1, words.length / 3));
        return new PromptCompletion(String.join(" ", java.util.Arrays.copyOfRange(words, 0, k)),
                String.join(" ", java.util.Arrays.copyOfRange(words, k, words.length)));
    }

    private static String shorten(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 100 ? one.substring(0, 97) + "..." : one;
    }
}
