package dev.longtune.training.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.DataRecord;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.training.CharTokenizer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Layout, EOS, masking and TRL's truncation policy, with a character tokenizer (1 = BOS, 2 = EOS). */
class PreferenceEncoderTest {

    private static final CharTokenizer TOK = new CharTokenizer();

    private static int[] chars(String s) {
        return TOK.encode(s);
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int k = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        return out;
    }

    @Test
    void promptWithBosCompletionsWithEos() {
        PreferenceEncoder enc = new PreferenceEncoder(TOK, null, "auto", 64, 32, true);
        PairExample ex = enc.pair(PreferenceFixtures.pair(1, "Hi ", "yes", "no")).orElseThrow();
        assertArrayEquals(concat(new int[] {1}, chars("Hi ")), ex.prompt());
        assertArrayEquals(concat(chars("yes"), new int[] {2}), ex.first());
        assertArrayEquals(concat(chars("no"), new int[] {2}), ex.second());
        assertNull(ex.desirable());

        PairBatch b = PairBatch.of(List.of(ex.withIndex(0)), 2, true);
        assertEquals(2, b.rows());
        assertEquals(8, b.length()); // BOS + "Hi " + "yes" + EOS
        long[] chosenLabels = Arrays.copyOfRange(b.labels(), 0, 8);
        long[] rejectedLabels = Arrays.copyOfRange(b.labels(), 8, 16);
        long i = TokenLoss.IGNORE;
        assertArrayEquals(new long[] {i, i, i, i, chars("y")[0], chars("e")[0], chars("s")[0], 2}, chosenLabels);
        assertArrayEquals(new long[] {i, i, i, i, chars("n")[0], chars("o")[0], 2, i}, rejectedLabels);
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 0}, Arrays.copyOfRange(b.mask(), 8, 16));
        assertEquals(1, b.lossTokens(), "one pair");
    }

    @Test
    void promptKeepsItsEndAndCompletionsKeepTheirStart() {
        PreferenceEncoder enc = new PreferenceEncoder(TOK, null, "auto", 10, 4, true);
        PairExample ex = enc.pair(PreferenceFixtures.pair(1, "abcdefgh", "0123456789", "xy")).orElseThrow();
        assertArrayEquals(concat(new int[] {1}, chars("fgh")), ex.prompt(), "BOS + the last 3 prompt tokens");
        assertArrayEquals(chars("012345"), ex.first(), "cut to max_length - prompt, EOS lost");
        assertArrayEquals(concat(chars("xy"), new int[] {2}), ex.second());
        assertEquals(1, enc.truncated());
        assertEquals(0, enc.skipped());
    }

    @Test
    void stackExchangeAndHhRlhfAndKtoExamples() {
        PreferenceEncoder enc = new PreferenceEncoder(TOK, null, "auto", 256, 128, true);
        var se = new DataRecord("se", 1, new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("question", "Q?").put("response_j", "good").put("response_k", "bad"));
        PairExample p = enc.pair(se).orElseThrow();
        assertArrayEquals(concat(new int[] {1}, chars("Question: Q?\n\nAnswer: ")), p.prompt());
        var hh = new DataRecord("hh", 2, new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("chosen", "\n\nHuman: hi\n\nAssistant: hello").put("rejected", "\n\nHuman: hi\n\nAssistant: go"));
        PairExample h = enc.pair(hh).orElseThrow();
        assertArrayEquals(concat(chars(" hello"), new int[] {2}), h.first());

        List<PairExample> kto = enc.unpaired(se);
        assertEquals(2, kto.size());
        assertTrue(kto.get(0).desirable());
        assertEquals(false, kto.get(1).desirable());
        var unpaired = new DataRecord("u", 3, new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("prompt", "P").put("completion", "c").put("label", false));
        assertEquals(false, enc.unpaired(unpaired).get(0).desirable());
        List<PairExample> all = new java.util.ArrayList<>(kto);
        all.addAll(enc.unpaired(unpaired));
        List<PairExample> withKl = enc.withKlPartners(all, 42);
        for (int k = 0; k < withKl.size(); k++) {
            assertTrue(withKl.get(k).second() != all.get(k).first(), "each KL completion is another example's");
        }
    }

    /** Conversational records go through the chat template; the template closes the turn, so no EOS is added. */
    @Test
    void conversationalRecordsUseTheChatTemplateWithoutExtraEos() throws Exception {
        dev.longtune.api.ChatTemplate template = new dev.longtune.api.ChatTemplate() {
            @Override
            public String render(List<dev.longtune.api.ChatMessage> messages, boolean addGenerationPrompt) {
                StringBuilder sb = new StringBuilder();
                for (var m : messages) {
                    sb.append('[').append(m.role().charAt(0)).append(']').append(m.content()).append('|');
                }
                return addGenerationPrompt ? sb.append("[a]").toString() : sb.toString();
            }

            @Override
            public String source() {
                return "test";
            }
        };
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"chosen\": [{\"role\": \"user\", "
                + "\"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Yo\"}], \"rejected\": [{\"role\": "
                + "\"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"No\"}]}");
        DataRecord rec = new DataRecord("chat", 1, json);
        PairExample ex = new PreferenceEncoder(TOK, template, "auto", 64, 32, true).pair(rec).orElseThrow();
        assertArrayEquals(concat(new int[] {1}, chars("[u]Hi|[a]")), ex.prompt(), "implicit prompt + generation header");
        assertArrayEquals(chars("Yo|"), ex.first(), "the template's own turn end, no EOS appended");
        assertArrayEquals(chars("No|"), ex.second());
    }
}
