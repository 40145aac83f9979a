package dev.longtune.host.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.DataRecord;
import dev.longtune.api.GeneratedText;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.GenerationSource;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.RunContext;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.ExperimentConfig;
import dev.longtune.api.config.GenerationConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The host's {@link GenerationSource} for one evaluation phase: the model's answers to held-out records with the
 * run's {@code generation:} settings, each record generated at most once per phase, so rouge, bleu, a judge and
 * {@code samples.jsonl} in the same phase share one pass. Every answer is appended to
 * {@code generations/<phase>.jsonl} as it is made.
 *
 * <p>One instance per phase, created after the model reached the state that phase measures: the cache holds answers
 * of <em>that</em> model, so a phase after training must never see answers from before it.
 *
 * <p>Prompts are built as {@link GenerationSource#direct} builds them (the run's data format via
 * {@link RunContext#format}, BOS, a prompt too long for the context cut in the middle, EOS stripped from the text),
 * with the prompt budget also capped by {@code data.max_prompt_length} when set, since that is the length training
 * saw.
 */
public final class HostGenerations implements GenerationSource {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LanguageModel model;
    private final RunContext ctx;
    private final GenerationOptions options;
    private final Integer maxPromptLength;
    private final String phase;
    private final Path file;
    /**
     * Answers by record. A {@link DataRecord} is equal to another with the same file, line and fields: identity by
     * source and line, and two made-up records that happen to share a line number cannot collide.
     */
    private final Map<DataRecord, GeneratedText> cache = new HashMap<>();
    private final Map<DataRecord, Double> speed = new HashMap<>();
    private boolean fileStarted;
    private int generated;

    /**
     * @param maxPromptLength {@code data.max_prompt_length}, or null for no cap besides the context window
     */
    public HostGenerations(LanguageModel model, RunContext ctx, GenerationOptions options, Integer maxPromptLength,
            String phase) {
        this.model = model;
        this.ctx = ctx;
        this.options = options;
        this.maxPromptLength = maxPromptLength;
        this.phase = phase;
        this.file = ctx.outputDir().resolve("generations").resolve(phase + ".jsonl");
    }

    /** The source for {@code phase} of an experiment: its {@code generation:} settings, seeded with the run's seed. */
    public static HostGenerations forPhase(ExperimentConfig c, LanguageModel model, RunContext ctx, String phase) {
        DataConfig d = c.data();
        return new HostGenerations(model, ctx, options(c.generation(), ctx.seed()), d == null ? null
                : d.maxPromptLength(), phase);
    }

    /** Decoding settings from {@code generation:}; EOS ends an answer. */
    public static GenerationOptions options(GenerationConfig g, long seed) {
        return new GenerationOptions(g.maxNewTokens(), g.temperature(), g.topK(), g.topP(), seed, true);
    }

    public GenerationOptions options() {
        return options;
    }

    /** Records generated so far in this phase (cache misses); each record counts once. */
    public synchronized int generatedCount() {
        return generated;
    }

    /** Decoding speed of a record's answer (generated tokens over prefill plus decoding time); 0 if not generated. */
    public synchronized double tokensPerSecond(DataRecord record) {
        return speed.getOrDefault(record, 0.0);
    }

    /** Where this phase's answers are written. */
    public Path file() {
        return file;
    }

    @Override
    public synchronized List<GeneratedText> generate(List<DataRecord> records) {
        Set<DataRecord> missing = new LinkedHashSet<>();
        for (DataRecord r : records) {
            if (!cache.containsKey(r)) {
                missing.add(r);
            }
        }
        if (!missing.isEmpty()) {
            long tokens = 0;
            long nanos = 0;
            try (RunContext.Progress progress = ctx.progress("generate (" + phase + ")", missing.size(), "records")) {
                for (DataRecord r : missing) {
                    Answer a = answer(r);
                    cache.put(r, a.text);
                    speed.put(r, a.tokensPerSecond);
                    generated++;
                    append(a);
                    tokens += a.text.outputTokens();
                    nanos += a.nanos;
                    progress.advance(1, Map.of("tok/s", String.format(Locale.ROOT, "%.1f",
                            nanos == 0 ? 0.0 : tokens / (nanos / 1e9))));
                }
            }
        }
        List<GeneratedText> out = new ArrayList<>(records.size());
        for (DataRecord r : records) {
            out.add(cache.get(r));
        }
        return out;
    }

    private record Answer(GeneratedText text, long nanos, double tokensPerSecond) {}

    private Answer answer(DataRecord r) {
        GenerationSource.Answer a = GenerationSource.answer(model, ctx, options, r, maxPromptLength);
        return new Answer(a.text(), a.generation().nanos(), a.generation().tokensPerSecond());
    }

    /** One line per answer; the file is started afresh by the first answer of the phase (a rerun replaces it). */
    private void append(Answer a) {
        GeneratedText t = a.text;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("where", t.record().where());
        row.put("prompt", t.prompt());
        row.put("prompt_tokens", t.promptTokens());
        row.put("prompt_truncated", t.promptTruncated());
        row.put("reference", t.reference());
        row.put("output", t.output());
        row.put("tokens", t.outputTokens());
        row.put("tokens_per_s", a.tokensPerSecond);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, JSON.writeValueAsString(row) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    fileStarted ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
            fileStarted = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
