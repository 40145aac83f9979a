package dev.longtune.eval.judge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.Evaluator;
import dev.longtune.api.GeneratedText;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RunContext;
import dev.longtune.eval.EvalFiles;
import java.io.IOException;
import java.io.Writer;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pairwise LLM-as-judge with position swap (numerics spec F, FastChat's MT-bench {@code pair-v2} judge): for each
 * held-out record with a prompt, the model's answer (from the host's shared generation pass) and the opponent's
 * (the record's completion, or another endpoint's answer) are shown to the judge twice — game 1 with the model as
 * assistant A, game 2 swapped — and the model wins only when both games say so ({@link Verdict}). An item with an
 * unreadable verdict in either game counts as an error and, as in FastChat's {@code show_result.py}, is left out of
 * the rates ({@link WinRates}).
 *
 * <p>Requests run {@code concurrency} at a time; every answer goes through the {@link ResponseCache} as it arrives.
 * Writes {@code eval/judge-<phase>-judgments.jsonl} (one line per item: where, question, both answers, both games'
 * judgments — the judge's rationale — and verdicts, outcome), {@code eval/judge-<phase>-summary.csv}, and one row on
 * the {@code eval} metrics stream.
 */
public final class JudgeEvaluator implements Evaluator {

    private static final Logger LOG = LoggerFactory.getLogger(JudgeEvaluator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JudgeOptions options;
    private final Function<String, String> environment;
    private final Backoff backoff;

    public JudgeEvaluator(JudgeOptions options) {
        this(options, System::getenv, Backoff.standard());
    }

    /** For tests: where environment variables are read, and how long retries wait. */
    JudgeEvaluator(JudgeOptions options, Function<String, String> environment, Backoff backoff) {
        this.options = options;
        this.environment = environment;
        this.backoff = backoff;
    }

    /** One record to judge: the model's answer beside the opponent's. */
    record Item(GeneratedText generated, String opponentAnswer) {}

    /** One game: the judge's full text (its rationale), the letter it chose, and who that is. */
    record Game(String judgment, Verdict.Letter letter, Verdict.Winner winner) {}

    record Judged(Item item, Game g1, Game g2, Verdict.Outcome outcome) {}

    @Override
    public EvaluationResult evaluate(EvaluationJob job) throws IOException {
        RunContext context = job.context();
        // Before anything slow: a missing key should not cost the user a generation pass first.
        String judgeKey = apiKey(options.apiKeyEnv(), "api_key_env");
        String opponentKey = options.opponentIsEndpoint() ? apiKey(options.opponentApiKeyEnv(),
                "opponent_api_key_env") : null;

        List<DataRecord> selected = new ArrayList<>();
        for (DataRecord r : job.records()) {
            if (options.maxRecords() > 0 && selected.size() >= options.maxRecords()) {
                break;
            }
            if (!context.format(r).prompt().isBlank()) {
                selected.add(r);
            }
        }
        List<GeneratedText> generated = selected.isEmpty() ? List.of() : job.generations().generate(selected);
        List<GeneratedText> judgeable = new ArrayList<>();
        int withoutReference = 0;
        for (GeneratedText g : generated) {
            if (!options.opponentIsEndpoint() && g.reference().isBlank()) {
                withoutReference++; // nothing to compare with
            } else {
                judgeable.add(g);
            }
        }

        Duration timeout = Duration.ofMillis(Math.max(1, Math.round(options.timeoutSeconds() * 1000)));
        HttpClient http = ChatEndpoint.client(timeout);
        ChatEndpoint judge = new ChatEndpoint("judge", options.baseUrl(), options.model(), judgeKey, timeout,
                options.maxRetries(), backoff, http);
        ChatEndpoint opponent = options.opponentIsEndpoint() ? new ChatEndpoint("opponent", options.opponentBaseUrl(),
                options.opponentModel(), opponentKey, timeout, options.maxRetries(), backoff, http) : null;
        Path cacheFile = context.outputDir().resolve(options.cache());
        AtomicInteger hits = new AtomicInteger();
        List<String> warnings = new ArrayList<>();
        if (withoutReference > 0) {
            warnings.add(withoutReference + " record(s) have no reference answer to compare with and were skipped");
        }

        List<Judged> judged;
        ExecutorService pool = Executors.newFixedThreadPool(options.concurrency(), daemonThreads());
        long total = judgeable.size() * (opponent == null ? 2L : 3L);
        try (ResponseCache cache = ResponseCache.open(cacheFile);
                RunContext.Progress progress = context.progress(JudgeFactory.NAME, total, "request")) {
            cache.warnings().forEach(LOG::warn);
            warnings.addAll(cache.warnings());
            CachedChat judgeChat = new CachedChat(judge, cache, options.temperature(), options.maxTokens(), hits);
            List<String> opponentAnswers;
            if (opponent == null) {
                opponentAnswers = judgeable.stream().map(GeneratedText::reference).toList();
            } else {
                CachedChat opponentChat = new CachedChat(opponent, cache, options.temperature(), options.maxTokens(),
                        hits);
                List<Callable<String>> asks = new ArrayList<>();
                for (GeneratedText g : judgeable) {
                    asks.add(() -> opponentChat.ask(List.of(new ChatEndpoint.Message("user", g.prompt()))));
                }
                opponentAnswers = runAll(pool, asks, progress, hits);
            }
            List<Item> items = new ArrayList<>();
            List<Callable<String>> games = new ArrayList<>();
            for (int i = 0; i < judgeable.size(); i++) {
                Item item = new Item(judgeable.get(i), opponentAnswers.get(i));
                items.add(item);
                String question = item.generated().prompt();
                String candidate = item.generated().output();
                games.add(() -> judgeChat.ask(PairwisePrompt.messages(question, candidate, item.opponentAnswer())));
                games.add(() -> judgeChat.ask(PairwisePrompt.messages(question, item.opponentAnswer(), candidate)));
            }
            List<String> judgments = runAll(pool, games, progress, hits);
            judged = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                String j1 = judgments.get(2 * i);
                String j2 = judgments.get(2 * i + 1);
                Verdict.Letter l1 = Verdict.parse(j1);
                Verdict.Letter l2 = Verdict.parse(j2);
                Game g1 = new Game(j1, l1, Verdict.game1(l1));
                Game g2 = new Game(j2, l2, Verdict.game2(l2));
                judged.add(new Judged(items.get(i), g1, g2, Verdict.combine(g1.winner(), g2.winner())));
            }
        } finally {
            pool.shutdownNow();
        }

        WinRates rates = WinRates.of(judged.stream().map(Judged::outcome).toList());
        int requests = judge.answers() + (opponent == null ? 0 : opponent.answers());
        int retries = judge.retries() + (opponent == null ? 0 : opponent.retries());
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("wins", (double) rates.wins());
        metrics.put("losses", (double) rates.losses());
        metrics.put("ties", (double) rates.ties());
        metrics.put("errors", (double) rates.errors());
        metrics.put("items", (double) rates.items());
        if (rates.decided() > 0) {
            metrics.put("win_rate", rates.winRate());
            metrics.put("loss_rate", rates.lossRate());
            metrics.put("win_rate_adjusted", rates.winRateAdjusted());
        } else {
            // 0/0 is not a rate: left out rather than reported as a number that looks measured.
            warnings.add("no item got a verdict in both orders (" + rates.items() + " judged, " + rates.errors()
                    + " errors), so there is no win rate");
        }
        metrics.put("requests_made", (double) requests);
        metrics.put("cache_hits", (double) hits.get());
        metrics.put("retries", (double) retries);
        metrics.put("skipped_no_reference", (double) withoutReference);

        Path judgmentsFile = EvalFiles.relative(JudgeFactory.NAME, job.phase(), "judgments", "jsonl");
        Path summaryFile = EvalFiles.relative(JudgeFactory.NAME, job.phase(), "summary", "csv");
        writeJudgments(context.outputDir().resolve(judgmentsFile), judged);
        writeSummary(context.outputDir().resolve(summaryFile), rates, requests, hits.get());

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("evaluator", JudgeFactory.NAME);
        row.put("phase", job.phase());
        row.putAll(metrics);
        if (!warnings.isEmpty()) {
            row.put("warning", String.join("; ", warnings));
        }
        context.metrics().record("eval", row);
        return new EvaluationResult(JudgeFactory.NAME, metrics, List.of(judgmentsFile, summaryFile));
    }

    private String apiKey(String variable, String option) {
        if (variable == null) {
            return null;
        }
        String value = environment.apply(variable);
        if (value == null || value.isBlank()) {
            throw new LongtuneException("judge: '" + option + ": " + variable + "' names an environment variable "
                    + "that is not set (or is empty). Set it before the run (export " + variable + "=…), or remove '"
                    + option + "' if the endpoint needs no key.");
        }
        return value.strip();
    }

    /**
     * Runs the tasks on the pool and returns their answers in task order. The first failure stops the rest (answers
     * already received stay in the cache) and is thrown as it is: its message names the URL and what went wrong.
     */
    private static List<String> runAll(ExecutorService pool, List<Callable<String>> tasks,
            RunContext.Progress progress, AtomicInteger hits) throws IOException {
        ExecutorCompletionService<Map.Entry<Integer, String>> done = new ExecutorCompletionService<>(pool);
        // Set by the first task that fails, before its thread can take the next one: no new request starts after.
        AtomicReference<Exception> failure = new AtomicReference<>();
        for (int i = 0; i < tasks.size(); i++) {
            int index = i;
            Callable<String> task = tasks.get(i);
            done.submit(() -> {
                if (failure.get() != null) {
                    throw new CancellationException("not started: an earlier request failed");
                }
                try {
                    return Map.entry(index, task.call());
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                    throw e;
                }
            });
        }
        String[] answers = new String[tasks.size()];
        try {
            for (int n = 0; n < tasks.size(); n++) {
                Map.Entry<Integer, String> answer = done.take().get();
                answers[answer.getKey()] = answer.getValue();
                // Advanced from this one thread only, so the host's display needs no locking.
                progress.advance(1, Map.of("cached", hits.get()));
            }
        } catch (InterruptedException e) {
            stop(pool);
            Thread.currentThread().interrupt();
            throw new LongtuneException("judge: interrupted", e);
        } catch (ExecutionException e) {
            stop(pool);
            Throwable cause = failure.get() != null ? failure.get() : e.getCause();
            if (cause instanceof LongtuneException le) {
                throw le;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        }
        return List.of(answers);
    }

    /**
     * Stops the requests still running (an interrupted {@code HttpClient.send} cancels its exchange) and waits for
     * them, so none is still writing to the cache or the server once the error reaches the user.
     */
    private static void stop(ExecutorService pool) {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("judge: requests still running 30 s after the evaluation stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeJudgments(Path file, List<Judged> judged) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        String candidate = options.candidateName();
        String opponent = options.opponentName();
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Judged j : judged) {
                ObjectNode line = JSON.createObjectNode();
                GeneratedText g = j.item().generated();
                line.put("where", g.record().where());
                line.put("question", g.prompt());
                line.put("prompt_truncated", g.promptTruncated());
                line.put("candidate", candidate);
                line.put("opponent", opponent);
                line.put("candidate_answer", g.output());
                line.put("opponent_answer", j.item().opponentAnswer());
                game(line.putObject("g1"), j.g1(), candidate, opponent);
                game(line.putObject("g2"), j.g2(), opponent, candidate);
                line.put("outcome", j.outcome().name().toLowerCase(Locale.ROOT));
                w.write(JSON.writeValueAsString(line));
                w.write('\n');
            }
        }
    }

    private void game(ObjectNode node, Game game, String a, String b) {
        node.put("assistant_a", a);
        node.put("assistant_b", b);
        node.put("judgment", game.judgment());
        node.put("verdict", switch (game.letter()) {
            case A -> "A";
            case B -> "B";
            case TIE -> "tie";
            case ERROR -> "error";
        });
        node.put("winner", switch (game.winner()) {
            case CANDIDATE -> options.candidateName();
            case OPPONENT -> options.opponentName();
            case TIE -> "tie";
            case ERROR -> "error";
        });
    }

    private void writeSummary(Path file, WinRates rates, int requests, int hits) throws IOException {
        boolean rated = rates.decided() > 0;
        EvalFiles.writeCsv(file, List.of("candidate", "opponent", "judge", "prompt", "items", "wins", "losses", "ties",
                "errors", "win_rate", "loss_rate", "win_rate_adjusted", "requests_made", "cache_hits"),
                List.of(List.of(options.candidateName(), options.opponentName(), options.model(), PairwisePrompt.NAME,
                        rates.items(), rates.wins(), rates.losses(), rates.ties(), rates.errors(),
                        rated ? format(rates.winRate()) : "", rated ? format(rates.lossRate()) : "",
                        rated ? format(rates.winRateAdjusted()) : "", requests, hits)));
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "longtune-judge-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
