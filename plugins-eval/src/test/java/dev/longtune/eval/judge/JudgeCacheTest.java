package dev.longtune.eval.judge;

import static dev.longtune.eval.judge.JudgeRun.candidate;
import static dev.longtune.eval.judge.JudgeRun.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.DataRecord;
import dev.longtune.api.LongtuneException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The answer cache: a repeated or resumed evaluation does not pay twice. */
class JudgeCacheTest {

    @TempDir
    Path out;

    private ScriptedEndpoint judge;

    @AfterEach
    void stop() {
        if (judge != null) {
            judge.close();
        }
    }

    private static Map<String, Double> withoutCounters(Map<String, Double> metrics) {
        Map<String, Double> m = new LinkedHashMap<>(metrics);
        m.remove("requests_made");
        m.remove("cache_hits");
        return m;
    }

    @Test
    void aSecondEvaluationMakesNoRequestsAndGivesTheSameResult() throws Exception {
        judge = new ScriptedEndpoint(JudgeRun.prefersMarker());
        List<DataRecord> records = records(5, false);
        JudgeRun.Outcome first = JudgeRun.run(out, JudgeRun.options(judge, ""), candidate(true), records);
        assertEquals(10, judge.count());
        assertEquals(10.0, first.metric("requests_made"));
        assertEquals(0.0, first.metric("cache_hits"));
        List<String> judgments = Files.readAllLines(out.resolve("eval/judge-after-judgments.jsonl"));
        assertEquals(10, Files.readAllLines(out.resolve("judge/cache.jsonl")).size());

        judge.script(r -> {
            throw new AssertionError("asked again: " + r.user());
        });
        JudgeRun.Outcome second = JudgeRun.run(out, JudgeRun.options(judge, ""), candidate(true), records);
        assertEquals(10, judge.count(), "no request reached the server");
        assertEquals(0.0, second.metric("requests_made"));
        assertEquals(10.0, second.metric("cache_hits"));
        assertEquals(withoutCounters(first.result().metrics()), withoutCounters(second.result().metrics()));
        assertEquals(judgments, Files.readAllLines(out.resolve("eval/judge-after-judgments.jsonl")));
    }

    @Test
    void aCacheWhoseLastLineWasCutShortStillWorks() throws Exception {
        judge = new ScriptedEndpoint(JudgeRun.prefersMarker());
        List<DataRecord> records = records(3, false);
        JudgeRun.Outcome first = JudgeRun.run(out, JudgeRun.options(judge, "concurrency: 1\n"), candidate(true),
                records);
        Path cache = out.resolve("judge/cache.jsonl");
        String text = Files.readString(cache, StandardCharsets.UTF_8);
        // Kill mid-write: the last entry loses its second half and its newline.
        int lastStart = text.lastIndexOf('\n', text.length() - 2) + 1;
        Files.writeString(cache, text.substring(0, lastStart + (text.length() - lastStart) / 2));

        JudgeRun.Outcome resumed = JudgeRun.run(out, JudgeRun.options(judge, "concurrency: 1\n"), candidate(true),
                records);
        assertEquals(7, judge.count(), "only the damaged answer was asked again");
        assertEquals(1.0, resumed.metric("requests_made"));
        assertEquals(5.0, resumed.metric("cache_hits"));
        assertEquals(withoutCounters(first.result().metrics()), withoutCounters(resumed.result().metrics()));
        assertTrue(String.valueOf(resumed.row().get("warning")).contains("damaged last line"), resumed.row()
                .toString());

        // The damaged line was cut off and the new answer written in its place: the file is whole again.
        List<String> lines = Files.readAllLines(cache);
        assertEquals(6, lines.size());
        for (String line : lines) {
            assertTrue(ScriptedEndpoint.JSON.readTree(line).path("content").isTextual(), line);
        }
        JudgeRun.Outcome third = JudgeRun.run(out, JudgeRun.options(judge, "concurrency: 1\n"), candidate(true),
                records);
        assertEquals(7, judge.count());
        assertEquals(6.0, third.metric("cache_hits"));
    }

    @Test
    void answersAreKeptAsTheyArriveSoAFailedRunLosesNothingPaidFor() throws Exception {
        // The judge answers three requests, then breaks down: those three are in the cache, the next run asks
        // only for the rest.
        AtomicInteger calls = new AtomicInteger();
        judge = new ScriptedEndpoint(r -> calls.incrementAndGet() <= 3 ? ScriptedEndpoint.Reply.content("[[C]]")
                : ScriptedEndpoint.Reply.error(503, "overloaded"));
        List<DataRecord> records = records(3, false);
        assertThrows(LongtuneException.class, () -> JudgeRun.run(out,
                JudgeRun.options(judge, "concurrency: 1\nmax_retries: 0\n"), candidate(false), records));
        assertEquals(3, Files.readAllLines(out.resolve("judge/cache.jsonl")).size());
        judge.script(ScriptedEndpoint.always("[[C]]"));
        int before = judge.count();
        JudgeRun.Outcome resumed = JudgeRun.run(out, JudgeRun.options(judge, "concurrency: 1\n"), candidate(false),
                records);
        assertEquals(3, judge.count() - before);
        assertEquals(3.0, resumed.metric("cache_hits"));
        assertEquals(3.0, resumed.metric("ties"));
    }

    @Test
    void theKeyCoversModelMessagesTemperatureAndMaxTokens() {
        List<ChatEndpoint.Message> m = PairwisePrompt.messages("q", "a", "b");
        String key = ResponseCache.key("gpt-4", m, 0.0, 2048);
        assertEquals(64, key.length());
        assertEquals(key, ResponseCache.key("gpt-4", PairwisePrompt.messages("q", "a", "b"), 0.0, 2048));
        assertTrue(!key.equals(ResponseCache.key("gpt-4o", m, 0.0, 2048)));
        assertTrue(!key.equals(ResponseCache.key("gpt-4", PairwisePrompt.messages("q", "b", "a"), 0.0, 2048)));
        assertTrue(!key.equals(ResponseCache.key("gpt-4", m, 0.7, 2048)));
        assertTrue(!key.equals(ResponseCache.key("gpt-4", m, 0.0, 1024)));
    }

    @Test
    void aDamagedLineInTheMiddleIsAnErrorNamingIt() throws Exception {
        Path cache = out.resolve("judge/cache.jsonl");
        Files.createDirectories(cache.getParent());
        Files.writeString(cache, "{\"key\":\"k1\",\"model\":\"m\",\"content\":\"x\"}\nnot json\n"
                + "{\"key\":\"k2\",\"model\":\"m\",\"content\":\"y\"}\n");
        LongtuneException e = assertThrows(LongtuneException.class, () -> ResponseCache.open(cache));
        assertTrue(e.getMessage().contains(cache + ":2"), e.getMessage());
    }

    @Test
    void anAbsoluteCachePathIsUsedAsGiven() throws Exception {
        judge = new ScriptedEndpoint(ScriptedEndpoint.always("[[C]]"));
        Path elsewhere = out.resolve("shared/judge-cache.jsonl").toAbsolutePath();
        JudgeRun.run(out.resolve("run"), JudgeRun.options(judge, "cache: " + elsewhere + "\n"), candidate(false),
                records(1, false));
        assertEquals(2, Files.readAllLines(elsewhere).size());
        assertTrue(Files.notExists(out.resolve("run/judge/cache.jsonl")));
    }
}
