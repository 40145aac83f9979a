package dev.longtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Text deltas and stop strings over stories260K's real tokenizer (SentencePiece BPE with byte fallback). */
class TextStreamTest {

    static NDManager root;
    static LanguageModel model;
    static TextTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        root = RealModels.cpuManager();
        model = RealModels.load(RealModels.stories260K(), root);
        tokenizer = model.tokenizer();
    }

    @AfterAll
    static void close() {
        model.close();
        root.close();
    }

    @Test
    void aCharacterSplitOverByteTokensIsSentWholeOnceComplete() {
        String text = "Tom saw a ☕ cup";
        int[] ids = tokenizer.encode(text);
        assertEquals(text, tokenizer.decode(ids).strip(), "round trip");
        TextStream stream = new TextStream(tokenizer, List.of());
        List<String> deltas = new ArrayList<>();
        for (int id : ids) {
            deltas.add(stream.add(id));
        }
        deltas.add(stream.finish());
        assertEquals(tokenizer.decode(ids), String.join("", deltas));
        assertFalse(String.join("", deltas).contains("\uFFFD"), "never half a character: " + deltas);
        // ☕ is three UTF-8 bytes, not in the 512-token vocabulary: three byte tokens, one delta with all of it.
        assertTrue(deltas.contains("☕") || deltas.stream().anyMatch(d -> d.startsWith("☕") || d.endsWith("☕")),
                deltas.toString());
        long empty = deltas.subList(0, ids.length).stream().filter(String::isEmpty).count();
        assertTrue(empty >= 2, "the first two byte tokens were held back: " + deltas);
    }

    @Test
    void aStopStringIsNeverSentEvenInPart() {
        String text = "Once upon a time there was a cat";
        int[] ids = tokenizer.encode(text);
        String decoded = tokenizer.decode(ids);
        String stop = "upon a t";
        String expected = decoded.substring(0, decoded.indexOf(stop));
        TextStream stream = new TextStream(tokenizer, List.of("never", stop));
        StringBuilder sent = new StringBuilder();
        int used = 0;
        for (int id : ids) {
            sent.append(stream.add(id));
            used++;
            assertTrue(expected.startsWith(sent.toString()), "sent only text before the stop string: '" + sent + "'");
            if (stream.stopped()) {
                break;
            }
        }
        sent.append(stream.finish());
        assertTrue(stream.stopped());
        assertEquals(expected, sent.toString());
        assertEquals(expected, stream.text());
        assertTrue(used < ids.length, "decoding ends at the stop string, " + used + " of " + ids.length);
        assertEquals(used, stream.tokenCount());
    }

    @Test
    void aHeldBackTailThatIsNotAStopStringAfterAllIsSentAtTheEnd() {
        int[] ids = tokenizer.encode("The cat sat up");
        String decoded = tokenizer.decode(ids);
        // "upon" begins like the last word: the tail "up" waits, then goes out when generation ends.
        TextStream stream = new TextStream(tokenizer, List.of("upon"));
        StringBuilder sent = new StringBuilder();
        for (int id : ids) {
            sent.append(stream.add(id));
        }
        assertEquals(decoded.substring(0, decoded.length() - "up".length()), sent.toString());
        sent.append(stream.finish());
        assertEquals(decoded, sent.toString());
        assertFalse(stream.stopped());
    }
}
