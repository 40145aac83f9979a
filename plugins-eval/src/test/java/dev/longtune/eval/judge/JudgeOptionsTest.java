package dev.longtune.eval.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import org.junit.jupiter.api.Test;

class JudgeOptionsTest {

    private static JudgeOptions bind(String yaml) throws Exception {
        ObjectNode options = PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree("type: judge\n" + yaml))
                .options();
        return OptionsBinder.bind(options, JudgeOptions.class, "evaluator 'judge'", "evaluation[0]",
                OptionsBinder.NO_LINES);
    }

    private static String error(String yaml) {
        return assertThrows(LongtuneException.class, () -> bind(yaml)).getMessage();
    }

    @Test
    void baseUrlAndModelAreEnoughAndTheRestTakesFastChatsDefaults() throws Exception {
        JudgeOptions o = bind("base_url: http://127.0.0.1:8765/v1/\nmodel: gpt-4\n");
        assertEquals("http://127.0.0.1:8765/v1", o.baseUrl(), "the trailing slash is dropped");
        assertEquals("gpt-4", o.model());
        assertNull(o.apiKeyEnv());
        assertEquals("reference", o.opponent());
        assertEquals("model", o.candidateName());
        assertEquals("reference", o.opponentName());
        assertEquals(0, o.maxRecords());
        assertEquals(2048, o.maxTokens());
        assertEquals(0.0, o.temperature());
        assertEquals(120.0, o.timeoutSeconds());
        assertEquals(4, o.maxRetries());
        assertEquals(4, o.concurrency());
        assertEquals("judge/cache.jsonl", o.cache());
        assertEquals(JudgeOptions.of("http://127.0.0.1:8765/v1", "gpt-4"), o);
    }

    @Test
    void bindsEveryKeyByItsDocumentedName() throws Exception {
        JudgeOptions o = bind("""
                base_url: https://api.openai.com/v1
                model: gpt-4
                api_key_env: OPENAI_API_KEY
                opponent: endpoint
                opponent_base_url: http://127.0.0.1:9000/v1
                opponent_model: llama-3-8b
                opponent_api_key_env: OTHER_KEY
                candidate_name: tuned
                max_records: 50
                max_tokens: 1024
                temperature: 0.2
                timeout_seconds: 30
                max_retries: 2
                concurrency: 8
                cache: /tmp/judge.jsonl
                """);
        assertEquals(new JudgeOptions("https://api.openai.com/v1", "gpt-4", "OPENAI_API_KEY", "endpoint",
                "http://127.0.0.1:9000/v1", "llama-3-8b", "OTHER_KEY", "tuned", "llama-3-8b", 50, 1024, 0.2, 30.0, 2, 8,
                "/tmp/judge.jsonl"), o);
    }

    @Test
    void rejectsWhatCannotWork() {
        assertTrue(error("model: gpt-4\n").contains("'base_url' is required"));
        assertTrue(error("base_url: http://x/v1\n").contains("'model' is required"));
        assertTrue(error("base_url: api.openai.com/v1\nmodel: m\n").contains("http:// or https://"));
        assertTrue(error("base_url: http://x/v1\nmodel: m\nopponent: gpt4\n").contains("'opponent' must be one of"));
        assertTrue(error("base_url: http://x/v1\nmodel: m\nopponent: endpoint\n").contains("'opponent_base_url'"));
        assertTrue(error("base_url: http://x/v1\nmodel: m\nopponent: endpoint\nopponent_base_url: http://y/v1\n")
                .contains("'opponent_model' is required"));
        assertTrue(error("base_url: http://x/v1\nmodel: m\nopponent_model: other\n").contains("only used with"));
        assertTrue(error("base_url: http://x/v1\nmodel: m\ncandidate_name: reference\n").contains("two different"));
        assertTrue(error("base_url: http://x/v1\nmodel: m\nconcurrency: 0\n").contains("concurrency"));
        assertTrue(error("base_url: http://x/v1\nmodel: m\nmax_retries: -1\n").contains("max_retries"));
        assertTrue(error("base_url: http://x/v1\nmodel: m\ntimeout_seconds: 0\n").contains("timeout_seconds"));
        assertTrue(error("base_url: http://x/v1\nmodel: m\nmax_tokens: 0\n").contains("max_tokens"));
        assertTrue(error("base_url: http://x/v1\nmodel: m\nmax_records: -2\n").contains("max_records"));
        String unknown = error("base_url: http://x/v1\nmodel: m\napi_key: sk-123\n");
        assertTrue(unknown.contains("unknown key 'api_key'") && unknown.contains("api_key_env"), unknown);
    }
}
