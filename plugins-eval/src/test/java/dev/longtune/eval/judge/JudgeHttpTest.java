package dev.longtune.eval.judge;

import static dev.longtune.eval.judge.JudgeRun.candidate;
import static dev.longtune.eval.judge.JudgeRun.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.EvaluationJob;
import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.ScriptedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Talking to the endpoint: retries, timeouts, failures, the API key, concurrency, an opponent endpoint. */
class JudgeHttpTest {

    @TempDir
    Path out;

    private ScriptedEndpoint judge;
    private ScriptedEndpoint other;

    @AfterEach
    void stop() {
        if (judge != null) {
            judge.close();
        }
        if (other != null) {
            other.close();
        }
    }

    @Test
    void a429IsRetriedAfterTheServersRetryAfterAndCountedOnce() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        judge = new ScriptedEndpoint(r -> calls.incrementAndGet() == 1
                ? ScriptedEndpoint.Reply.error(429, "Rate limit reached").header("Retry-After", "1")
                : ScriptedEndpoint.Reply.content("[[A]]"));
        long start = System.nanoTime();
        JudgeRun.Outcome o = JudgeRun.run(out, JudgeRun.options(judge, "concurrency: 1\n"), candidate(false),
                records(1, false));
        long millis = (System.nanoTime() - start) / 1_000_000;
        // Backoff alone waits ~10 ms here: a wait of a second or more is the server's Retry-After.
        assertTrue(millis >= 1000, "waited " + millis + " ms");
        assertEquals(3, judge.count(), "the 429, its retry, and game 2");
        assertEquals(2.0, o.metric("requests_made"), "answers received");
        assertEquals(1.0, o.metric("retries"));
        assertEquals(1.0, o.metric("items"));
        assertEquals(1.0, o.metric("ties"));
    }

    @Test
    void persistent5xxFailsNamingTheUrlAndStatusAfterMaxRetries() throws Exception {
        judge = new ScriptedEndpoint(r -> ScriptedEndpoint.Reply.error(500, "The server had an error"));
        LongtuneException e = assertThrows(LongtuneException.class, () -> JudgeRun.run(out,
                JudgeRun.options(judge, "max_retries: 2\nconcurrency: 1\n"), candidate(false), records(1, false)));
        assertTrue(e.getMessage().contains(judge.baseUrl() + "/chat/completions"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 500: The server had an error"), e.getMessage());
        assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
        assertEquals(3, judge.count(), "max_retries + 1 attempts, then stop");
    }

    @Test
    void other4xxFailsAtOnceWithTheServersMessage() throws Exception {
        judge = new ScriptedEndpoint(r -> ScriptedEndpoint.Reply.error(404, "The model `gpt-5` does not exist"));
        LongtuneException e = assertThrows(LongtuneException.class, () -> JudgeRun.run(out,
                JudgeRun.options(judge, "concurrency: 1\n"), candidate(false), records(1, false)));
        assertTrue(e.getMessage().contains("HTTP 404: The model `gpt-5` does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("not retried"), e.getMessage());
        assertEquals(1, judge.count());
    }

    @Test
    void aSlowAnswerTimesOutAndIsRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        judge = new ScriptedEndpoint(r -> ScriptedEndpoint.Reply.content("[[C]]")
                .after(calls.incrementAndGet() == 1 ? 3000 : 0));
        long start = System.nanoTime();
        JudgeRun.Outcome o = JudgeRun.run(out, JudgeRun.options(judge, "timeout_seconds: 0.5\nconcurrency: 1\n"),
                candidate(false), records(1, false));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1.0, o.metric("retries"));
        assertEquals(3, judge.count());
        assertEquals(1.0, o.metric("ties"));
        assertTrue(millis < 2900, "gave up on the slow answer after the timeout, not when it came: " + millis);
    }

    @Test
    void anAnswerThatStallsMidBodyTimesOutAndIsRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        judge = new ScriptedEndpoint(r -> calls.incrementAndGet() == 1
                ? ScriptedEndpoint.Reply.content("[[C]]").stallingBody(3000) : ScriptedEndpoint.Reply.content("[[C]]"));
        long start = System.nanoTime();
        JudgeRun.Outcome o = JudgeRun.run(out, JudgeRun.options(judge, "timeout_seconds: 0.5\nconcurrency: 1\n"),
                candidate(false), records(1, false));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1.0, o.metric("retries"));
        assertEquals(3, judge.count());
        assertTrue(millis < 2900, "gave up on the stalled body after the timeout: " + millis + " ms");
    }

    @Test
    void aServerThatNeverAnswersInTimeFailsClearly() throws Exception {
        judge = new ScriptedEndpoint(r -> ScriptedEndpoint.Reply.content("[[C]]").after(2000));
        LongtuneException e = assertThrows(LongtuneException.class, () -> JudgeRun.run(out,
                JudgeRun.options(judge, "timeout_seconds: 0.2\nmax_retries: 1\nconcurrency: 1\n"), candidate(false),
                records(1, false)));
        assertTrue(e.getMessage().contains("no answer within 0.2 s"), e.getMessage());
    }

    @Test
    void aServerThatIsNotThereIsRetriedThenNamed() throws Exception {
        judge = new ScriptedEndpoint(ScriptedEndpoint.always("[[C]]"));
        JudgeOptions options = JudgeRun.options(judge, "max_retries: 1\n");
        judge.close(); // nothing listens on that port any more
        LongtuneException e = assertThrows(LongtuneException.class, () -> JudgeRun.run(out, options,
                candidate(false), records(1, false)));
        assertTrue(e.getMessage().contains(options.baseUrl() + "/chat/completions failed after 2 attempts; last: "
                + "connection failed"), e.getMessage());
        judge = null;
    }

    @Test
    void concurrencyStaysWithinTheLimitAndIsUsed() throws Exception {
        judge = new ScriptedEndpoint(r -> ScriptedEndpoint.Reply.content("[[C]]").after(150));
        JudgeRun.Outcome o = JudgeRun.run(out, JudgeRun.options(judge, "concurrency: 4\n"), candidate(false),
                records(8, false));
        assertEquals(16, judge.count());
        assertEquals(8.0, o.metric("ties"));
        assertTrue(judge.maxInFlight() <= 4, "in flight at once: " + judge.maxInFlight());
        assertTrue(judge.maxInFlight() > 1, "in flight at once: " + judge.maxInFlight());
        System.out.println("judge concurrency 4: max in flight " + judge.maxInFlight());

        ScriptedEndpoint serial = new ScriptedEndpoint(r -> ScriptedEndpoint.Reply.content("[[C]]").after(20));
        try {
            JudgeRun.run(out.resolve("serial"), JudgeRun.options(serial, "concurrency: 1\n"), candidate(false),
                    records(4, false));
            assertEquals(1, serial.maxInFlight());
        } finally {
            serial.close();
        }
    }

    @Test
    void anApiKeyVariableThatIsNotSetIsAClearErrorBeforeAnythingRuns() throws Exception {
        judge = new ScriptedEndpoint(ScriptedEndpoint.always("[[A]]"));
        ScriptedModel model = candidate(false);
        String missing = "LONGTUNE_TEST_NO_SUCH_VARIABLE_" + System.nanoTime();
        assertNull(System.getenv(missing));
        JudgeOptions options = JudgeRun.options(judge, "api_key_env: " + missing + "\n");
        LongtuneException e = assertThrows(LongtuneException.class, () -> {
            try (TestRunContext context = new TestRunContext(out)) {
                new JudgeFactory().create(options).evaluate(new EvaluationJob(model, records(2, false), "after",
                        context));
            }
        });
        assertTrue(e.getMessage().contains("api_key_env: " + missing), e.getMessage());
        assertTrue(e.getMessage().contains("not set"), e.getMessage());
        assertEquals(0, judge.count());
        assertTrue(model.prompts.isEmpty(), "no generation pass is spent before the error");
    }

    @Test
    void theKeyFromTheNamedVariableIsSentAsABearerTokenAndWrittenNowhere() throws Exception {
        // The public constructor reads the real environment: PATH is set in every test JVM.
        String value = System.getenv("PATH");
        assertTrue(value != null && !value.isBlank());
        judge = new ScriptedEndpoint(ScriptedEndpoint.always("[[C]]"));
        try (TestRunContext context = new TestRunContext(out)) {
            new JudgeFactory().create(JudgeRun.options(judge, "api_key_env: PATH\n")).evaluate(
                    new EvaluationJob(candidate(false), records(1, false), "after", context));
            assertFalse(String.valueOf(context.rows("eval")).contains(value));
        }
        assertEquals(2, judge.count());
        for (ScriptedEndpoint.Request r : judge.requests()) {
            assertEquals("Bearer " + value, r.authorization());
        }
        for (Path f : Files.walk(out).filter(Files::isRegularFile).toList()) {
            assertFalse(Files.readString(f).contains(value), "the key leaked into " + f);
        }
    }

    @Test
    void withoutApiKeyEnvNoAuthorizationHeaderIsSent() throws Exception {
        judge = new ScriptedEndpoint(ScriptedEndpoint.always("[[C]]"));
        JudgeRun.run(out, JudgeRun.options(judge, ""), candidate(false), records(1, false));
        assertEquals(2, judge.count());
        judge.requests().forEach(r -> assertNull(r.authorization()));
    }

    @Test
    void anOpponentEndpointAnswersTheSamePromptAndIsJudgedAgainst() throws Exception {
        // The opponent carries the marker; the judge prefers it: every item is a loss for the candidate.
        other = new ScriptedEndpoint(r -> ScriptedEndpoint.Reply.content("Opponent says " + JudgeRun.MARKER));
        judge = new ScriptedEndpoint(JudgeRun.prefersMarker());
        String yaml = "opponent: endpoint\nopponent_base_url: " + other.baseUrl() + "\nopponent_model: gpt-3.5-turbo\n"
                + "opponent_api_key_env: OPPONENT_KEY\napi_key_env: JUDGE_KEY\n";
        Map<String, String> env = Map.of("JUDGE_KEY", "sk-judge", "OPPONENT_KEY", "sk-opponent");
        ScriptedModel model = candidate(false);
        JudgeRun.Outcome o = JudgeRun.run(out, JudgeRun.options(judge, yaml), model, records(3, false), env::get);
        assertEquals(3.0, o.metric("losses"));
        assertEquals(9.0, o.metric("requests_made"), "3 opponent answers + 6 judgments");
        assertEquals(3, other.count());
        for (int i = 0; i < 3; i++) {
            ScriptedEndpoint.Request asked = other.requests().get(i);
            assertEquals("gpt-3.5-turbo", asked.model());
            assertEquals(1, asked.body().get("messages").size(), "the prompt as one user message");
            assertEquals("Bearer sk-opponent", asked.authorization());
        }
        assertTrue(other.requests().stream().map(ScriptedEndpoint.Request::user).toList()
                .containsAll(model.prompts));
        judge.requests().forEach(r -> assertEquals("Bearer sk-judge", r.authorization()));
        assertEquals("gpt-3.5-turbo", JudgeRun.judgments(out).get(0).get("opponent").asText());
    }
}
