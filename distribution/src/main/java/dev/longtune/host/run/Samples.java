package dev.longtune.host.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.DataRecord;
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
 * completions kept as references).
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

    void write(String phase, List<DataRecord> heldOut) throws IOException {
        List<PromptCompletion> prompts = prompts(heldOut);
        if (prompts.isEmpty() || config.maxNewTokens() == 0) {
            return;
        }
        GenerationOptions options = new GenerationOptions(config.maxNewTokens(), config.temperature(), config.topK(),
                config.topP(), ctx.seed(), true);
        for (PromptCompletion p : prompts) {
            int[] ids = model.tokenizer().encodeWithBos(p.prompt());
            Generation g = model.generate(ids, options, LanguageModel.TokenListener.NONE);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("phase", phase);
            row.put("prompt", p.prompt());
            row.put("generation", g.text());
            if (p.completion() != null) {
                row.put("reference", p.completion());
            }
            row.put("tokens", g.tokenIds().length);
            row.put("tokens_per_s", g.tokensPerSecond());
            rows.add(row);
            Files.writeString(ctx.outputDir().resolve("samples.jsonl"), JSON.writeValueAsString(row) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            console.printf("Sample (%s): %s▶ %s%n", phase, shorten(p.prompt()), shorten(g.text()));
        }
    }

    List<Map<String, Object>> rows() {
        return rows;
    }

    private List<PromptCompletion> prompts(List<DataRecord> heldOut) {
        List<PromptCompletion> out = new ArrayList<>();
        if (!config.prompts().isEmpty()) {
            for (String p : config.prompts()) {
                out.add(new PromptCompletion(p, null));
            }
            return out;
        }
        for (DataRecord r : heldOut.subList(0, Math.min(config.samples(), heldOut.size()))) {
            PromptCompletion pc = ctx.format(r);
            if (pc.prompt().isEmpty()) {
                // Plain text: prompt with its first words, the rest is the reference.
                String[] words = pc.completion().split(" ");
                int k = Math.min(6, Math.max(1, words.length / 3));
                pc = new PromptCompletion(String.join(" ", java.util.Arrays.copyOfRange(words, 0, k)),
                        String.join(" ", java.util.Arrays.copyOfRange(words, k, words.length)));
            }
            out.add(pc);
        }
        return out;
    }

    private static String shorten(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 100 ? one.substring(0, 97) + "..." : one;
    }
}
