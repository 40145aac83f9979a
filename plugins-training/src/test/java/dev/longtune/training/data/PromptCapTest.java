package dev.longtune.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.DataRecord;
import dev.longtune.api.PromptCompletion;
import dev.longtune.api.config.DataConfig;
import dev.longtune.training.CharTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code data.max_prompt_length} in SFT, worked by hand with the character tokenizer (BOS 1, EOS 2, 'a' = 68 ...
 * 'h' = 75, 'u' = 88 ... 'z' = 93): the prompt {@code [BOS] a b c d e f g h} (9 tokens) capped at 5 keeps its first
 * ceil(5/2) = 3 and last floor(5/2) = 2 tokens, {@code [1, 68, 69, 74, 75]}.
 */
class PromptCapTest {

    private static final int I = SftEncoder.IGNORE;
    private static final DataRecord REC = new DataRecord("t.jsonl", 1, JsonNodeFactory.instance.objectNode());

    @Test
    void aLongPromptIsCutInTheMiddleAndTheCompletionSurvivesWhole() {
        SftEncoder enc = new SftEncoder(new CharTokenizer(), 8, false, true, 5);
        SftExample ex = enc.encode(new PromptCompletion("abcdefgh", "xy"), REC).orElseThrow();
        assertArrayEquals(new int[] {1, 68, 69, 74, 75, 91, 92, 2}, ex.ids());
        assertArrayEquals(new int[] {I, I, I, I, I, 91, 92, 2}, ex.labels());
        assertEquals(1, enc.truncated());
        assertEquals(0, enc.skipped());

        // The same record without the cap: BOS + 8 prompt tokens fill max_length = 8, nothing of "xy" is left.
        SftEncoder before = new SftEncoder(new CharTokenizer(), 8, false, true);
        assertTrue(before.encode(new PromptCompletion("abcdefgh", "xy"), REC).isEmpty());
        assertEquals(1, before.skipped());
    }

    @Test
    void theCapComesBeforeMaxLengthAndAnExampleIsCountedOnce() {
        SftEncoder enc = new SftEncoder(new CharTokenizer(), 8, false, true, 5);
        // prompt cut to 5, then "uvwxyz" + EOS cut to the 3 tokens left: both rules, one truncated example.
        SftExample ex = enc.encode(new PromptCompletion("abcdefgh", "uvwxyz"), REC).orElseThrow();
        assertArrayEquals(new int[] {1, 68, 69, 74, 75, 88, 89, 90}, ex.ids());
        assertArrayEquals(new int[] {I, I, I, I, I, 88, 89, 90}, ex.labels());
        assertEquals(1, enc.truncated());
        // A prompt within the cap is untouched and not counted.
        SftExample small = enc.encode(new PromptCompletion("abcd", "x"), REC).orElseThrow();
        assertArrayEquals(new int[] {1, 68, 69, 70, 71, 91, 2}, small.ids());
        assertEquals(1, enc.truncated());
        // Odd/even split: cap 4 keeps 2 + 2.
        SftEncoder four = new SftEncoder(new CharTokenizer(), 8, false, false, 4);
        assertArrayEquals(new int[] {1, 68, 74, 75, 91},
                four.encode(new PromptCompletion("abcdefgh", "x"), REC).orElseThrow().ids());
    }

    @Test
    void withTrainOnPromptTheTokenAfterTheCutIsNotATarget() {
        SftEncoder enc = new SftEncoder(new CharTokenizer(), 8, true, true, 5);
        SftExample ex = enc.encode(new PromptCompletion("abcdefgh", "xy"), REC).orElseThrow();
        assertArrayEquals(new int[] {1, 68, 69, 74, 75, 91, 92, 2}, ex.ids());
        // 'g' (74) follows 'b' (69) only because of the cut: it is not trained on; 'h' after 'g' is.
        assertArrayEquals(new int[] {1, 68, 69, I, 75, 91, 92, 2}, ex.labels());
    }

    @Test
    void readFromDataConfigWhichRefusesACapNotBelowMaxLength() {
        DataConfig data = new DataConfig(null, null, null, "auto", 8, null, null, null, 5);
        SftExample ex = new SftEncoder(new CharTokenizer(), data).encode(new PromptCompletion("abcdefgh", "xy"), REC)
                .orElseThrow();
        assertArrayEquals(new int[] {1, 68, 69, 74, 75, 91, 92, 2}, ex.ids());
        assertThrows(IllegalArgumentException.class,
                () -> new DataConfig(null, null, null, "auto", 8, null, null, null, 8));
        assertThrows(IllegalArgumentException.class, () -> new SftEncoder(new CharTokenizer(), 8, false, true, 8));
    }

    /** "S" + system + "U" + user + "A" + assistant + "E" per turn; the generation prompt is "A". */
    private static final ChatTemplate TEMPLATE = new ChatTemplate() {
        @Override
        public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
            StringBuilder sb = new StringBuilder();
            for (ChatMessage m : messages) {
                switch (m.role()) {
                    case "system" -> sb.append('S').append(m.content());
                    case "user" -> sb.append('U').append(m.content());
                    default -> sb.append('A').append(m.content()).append('E');
                }
            }
            if (addGenerationPrompt) {
                sb.append('A');
            }
            return sb.toString();
        }

        @Override
        public String source() {
            return "test";
        }
    };

    /**
     * Chat: "Uabcdefgh" + "Axy" + "E" renders to U a b c d e f g h A x y E (no BOS: the template has none); the
     * prompt is everything before the last assistant turn's span, i.e. U..h plus its header A (10 tokens), cut to 6
     * = "Uab" + "ghA"; the assistant turn "xyE" is kept whole and labelled.
     */
    @Test
    void chatPromptIsEverythingBeforeTheLastAssistantTurn() {
        int u = 'U' - 29;
        int a = 'A' - 29;
        int e = 'E' - 29;
        List<ChatMessage> messages = List.of(new ChatMessage("user", "abcdefgh"), new ChatMessage("assistant", "xy"));
        SftEncoder enc = new SftEncoder(new CharTokenizer(false, true), 12, false, false, 6);
        SftExample ex = enc.encodeChat(messages, TEMPLATE, REC).orElseThrow();
        assertArrayEquals(new int[] {u, 68, 69, 74, 75, a, 91, 92, e}, ex.ids());
        assertArrayEquals(new int[] {I, I, I, I, I, I, 91, 92, e}, ex.labels());
        assertEquals(1, enc.truncated());
        // Uncapped with max_length 12: the 13 tokens lose the assistant's "E" (cut from the end).
        SftEncoder plain = new SftEncoder(new CharTokenizer(false, true), 12, false, false);
        SftExample p = plain.encodeChat(messages, TEMPLATE, REC).orElseThrow();
        assertEquals(12, p.ids().length);
        assertEquals(92, p.ids()[11]);

        // Two rounds: the earlier assistant turn lies in the prompt; what survives of it stays labelled except the
        // token right after the cut. Rendered: U a b c A d e f E U g h A x y E; the prompt is the first 13 tokens
        // (through the second header A).
        List<ChatMessage> two = List.of(new ChatMessage("user", "abc"), new ChatMessage("assistant", "def"),
                new ChatMessage("user", "gh"), new ChatMessage("assistant", "xy"));
        SftExample t = new SftEncoder(new CharTokenizer(false, true), 14, false, false, 8)
                .encodeChat(two, TEMPLATE, REC).orElseThrow();
        // prompt tokens: U a b c A d e f E U g h A (13) -> head 4 "U a b c", tail 4 "U g h A"
        assertArrayEquals(new int[] {u, 68, 69, 70, u, 74, 75, a, 91, 92, e}, t.ids());
        // the first assistant turn ("d e f E") was cut away whole; only the last turn is labelled
        assertArrayEquals(new int[] {I, I, I, I, I, I, I, I, 91, 92, e}, t.labels());
        // cap 10: head 5 "U a b c A", tail 5 "f E U g h"... plus the header: U a b c A | E U g h A
        SftExample t10 = new SftEncoder(new CharTokenizer(false, true), 16, false, false, 10)
                .encodeChat(two, TEMPLATE, REC).orElseThrow();
        assertArrayEquals(new int[] {u, 68, 69, 70, a, e, u, 74, 75, a, 91, 92, e}, t10.ids());
        // "E" of the first assistant turn survives after the cut but is predicted across it: not a target
        assertArrayEquals(new int[] {I, I, I, I, I, I, I, I, I, I, 91, 92, e}, t10.labels());
        // cap 12: head 6 "U a b c A d", tail 6 "f E U g h A" -> 'd' is a target (after A), 'f' is across the cut,
        // 'E' after 'f' is a target
        SftExample t12 = new SftEncoder(new CharTokenizer(false, true), 16, false, false, 12)
                .encodeChat(two, TEMPLATE, REC).orElseThrow();
        assertArrayEquals(new int[] {u, 68, 69, 70, a, 71, 73, e, u, 74, 75, a, 91, 92, e}, t12.ids());
        assertArrayEquals(new int[] {I, I, I, I, I, 71, I, e, I, I, I, I, 91, 92, e}, t12.labels());
    }
}
