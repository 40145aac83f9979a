package dev.longtune.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.longtune.api.DataRecord;
import dev.longtune.api.PromptCompletion;
import dev.longtune.training.CharTokenizer;
import org.junit.jupiter.api.Test;

/** Masking and truncation with a character tokenizer (BOS 1, EOS 2, 'a' = 68), where every id is predictable. */
class SftEncoderTest {

    private static final int I = SftEncoder.IGNORE;
    private static final DataRecord REC = new DataRecord("t.jsonl", 3, JsonNodeFactory.instance.objectNode());

    @Test
    void promptAndBosAreMaskedCompletionAndEosAreNot() {
        SftEncoder enc = new SftEncoder(new CharTokenizer(), 64, false, true);
        SftExample ex = enc.encode(new PromptCompletion("ab", "cd"), REC).orElseThrow();
        assertArrayEquals(new int[] {1, 68, 69, 70, 71, 2}, ex.ids());
        assertArrayEquals(new int[] {I, I, I, 70, 71, 2}, ex.labels()); // not shifted: labels line up with ids
        assertEquals(3, ex.lossTokens());
        assertEquals(0, enc.truncated());
        assertEquals(0, enc.skipped());
    }

    @Test
    void trainOnPromptAndNoEos() {
        SftEncoder enc = new SftEncoder(new CharTokenizer(), 64, true, false);
        SftExample ex = enc.encode(new PromptCompletion("ab", "c"), REC).orElseThrow();
        assertArrayEquals(new int[] {1, 68, 69, 70}, ex.ids());
        assertArrayEquals(ex.ids(), ex.labels());
        assertEquals(3, ex.lossTokens()); // BOS is never a target: nothing precedes it
        SftExample plain = new SftEncoder(new CharTokenizer(false, true), 64, false, true)
                .encode(new PromptCompletion("", "ab"), REC).orElseThrow();
        assertArrayEquals(new int[] {68, 69, 2}, plain.ids()); // a tokenizer without BOS gets none
    }

    @Test
    void truncatesFromTheEndAndSkipsWhenNoCompletionTokenSurvives() {
        SftEncoder enc = new SftEncoder(new CharTokenizer(), 5, false, true);
        SftExample ex = enc.encode(new PromptCompletion("ab", "cdef"), REC).orElseThrow();
        assertArrayEquals(new int[] {1, 68, 69, 70, 71}, ex.ids()); // EOS and "ef" cut
        assertArrayEquals(new int[] {I, I, I, 70, 71}, ex.labels());
        assertEquals(1, enc.truncated());
        assertTrue(enc.encode(new PromptCompletion("abcd", "ef"), REC).isEmpty()); // prompt fills the budget
        assertTrue(enc.encode(new PromptCompletion("abcdefgh", "ij"), REC).isEmpty());
        assertEquals(2, enc.skipped());
        assertEquals(1, enc.truncated(), "skipped examples are not also counted as truncated");
        assertTrue(enc.encode(new PromptCompletion("ab", ""), REC).isPresent(), "EOS alone is a completion");
    }
}
