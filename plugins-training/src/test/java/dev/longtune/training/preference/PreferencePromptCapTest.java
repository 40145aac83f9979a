package dev.longtune.training.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LongtuneException;
import dev.longtune.training.CharTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code data.max_prompt_length} in the preference encoder, by hand with the character tokenizer (BOS 1, EOS 2,
 * 'a' = 68 ... 'h' = 75, 'u' = 88 ... 'y' = 92): the prompt {@code [BOS] a..h} (9 tokens) capped at 5 is
 * {@code [1, 68, 69, 74, 75]}, where TRL's keep-end cut to the default {@code max_length / 2 = 4} keeps
 * {@code [1, 73, 74, 75]} and loses the head of the prompt (its instruction).
 */
class PreferencePromptCapTest {

    private static final CharTokenizer TOK = new CharTokenizer();

    @Test
    void pairPromptIsCutInTheMiddleThenCompletionsToMaxLength() {
        PreferenceEncoder enc = new PreferenceEncoder(TOK, null, "auto", 8, 0, 5, true);
        PairExample ex = enc.pair(PreferenceFixtures.pair(1, "abcdefgh", "xy", "uvw")).orElseThrow();
        assertArrayEquals(new int[] {1, 68, 69, 74, 75}, ex.prompt(), "head 3 (BOS a b) + tail 2 (g h)");
        assertArrayEquals(new int[] {91, 92, 2}, ex.first(), "chosen + EOS fits the 3 tokens left: whole");
        assertArrayEquals(new int[] {88, 89, 90}, ex.second(), "rejected + EOS keeps its start (TRL keep_start)");
        assertEquals(1, enc.truncated());
        // A short prompt is untouched and the unit not counted.
        PairExample small = enc.pair(PreferenceFixtures.pair(2, "ab", "x", "y")).orElseThrow();
        assertArrayEquals(new int[] {1, 68, 69}, small.prompt());
        assertEquals(1, enc.truncated());
        assertEquals(0, enc.skipped());

        // The method's default without the data cap: keep the prompt's end (BOS kept in front).
        PreferenceEncoder trl = new PreferenceEncoder(TOK, null, "auto", 8, 4, true);
        PairExample t = trl.pair(PreferenceFixtures.pair(1, "abcdefgh", "xy", "uvw")).orElseThrow();
        assertArrayEquals(new int[] {1, 73, 74, 75}, t.prompt());
    }

    @Test
    void ktoUnpairedExamplesAndTheirKlPartnersUseTheCutPrompt() {
        PreferenceEncoder enc = new PreferenceEncoder(TOK, null, "auto", 8, 0, 5, true);
        var f = JsonNodeFactory.instance.objectNode().put("prompt", "abcdefgh").put("completion", "xyz")
                .put("label", true);
        List<PairExample> one = enc.unpaired(new DataRecord("k.jsonl", 1, f));
        assertEquals(1, one.size());
        assertArrayEquals(new int[] {1, 68, 69, 74, 75}, one.get(0).prompt());
        assertArrayEquals(new int[] {91, 92, 93}, one.get(0).first(), "x y z + EOS cut to the 3 tokens left");
        List<PairExample> two = enc.unpaired(PreferenceFixtures.pair(2, "abcdefgh", "x", "uv"));
        assertEquals(2, two.size());
        List<PairExample> kl = enc.withKlPartners(List.of(one.get(0), two.get(0), two.get(1)), 7);
        for (PairExample e : kl) {
            assertEquals(5, e.prompt().length);
            assertTrue(e.prompt().length + e.second().length <= 8, "KL completion within max_length");
        }
        assertEquals(3, enc.truncated(), "every unit whose prompt was cut: the unpaired one and both of the pair's");
    }

    @Test
    void theDataCapReplacesTheMethodsKeepEndCutAndBothAreRefused() {
        assertArrayEquals(new int[] {5, 0}, PreferenceMethod.promptCuts(0, null, 10), "TRL default max_length / 2");
        assertArrayEquals(new int[] {3, 0}, PreferenceMethod.promptCuts(3, null, 10));
        assertArrayEquals(new int[] {0, 6}, PreferenceMethod.promptCuts(0, 6, 10), "no keep-end default on top");
        LongtuneException e = assertThrows(LongtuneException.class, () -> PreferenceMethod.promptCuts(3, 6, 10));
        assertTrue(e.getMessage().contains("method.max_prompt_length") && e.getMessage().contains(
                "data.max_prompt_length"), e.getMessage());
        assertThrows(LongtuneException.class, () -> new PreferenceEncoder(TOK, null, "auto", 8, 0, 8, true));
    }
}
