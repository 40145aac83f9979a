package dev.longtune.serve;

import dev.longtune.api.TextTokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Turns generated token ids into text deltas for streaming, and applies the request's {@code stop} strings.
 *
 * <p>Each token re-decodes everything generated so far and hands out what is new (as {@code generate}'s streaming
 * printer does): a BPE merge or a multi-byte character split over tokens only comes out right with context. Two
 * things are held back until a later token settles them: a trailing U+FFFD (an incomplete UTF-8 sequence, which the
 * next byte token may complete) and a tail that could be the start of a stop string (OpenAI never sends any part of
 * a stop string). Once a stop string appears, the text is cut before it and {@link #stopped()} turns true.
 */
final class TextStream {

    private static final char REPLACEMENT = '\uFFFD';

    private final TextTokenizer tokenizer;
    private final List<String> stops;
    private int[] ids = new int[16];
    private int count;
    private String emitted = "";
    private String visible = "";
    private boolean stopped;

    TextStream(TextTokenizer tokenizer, List<String> stops) {
        this.tokenizer = tokenizer;
        this.stops = List.copyOf(stops);
    }

    /** Adds one generated token; returns the text that may be sent now (often empty). */
    String add(int tokenId) {
        if (stopped) {
            throw new IllegalStateException("a stop string was already reached");
        }
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = tokenId;
        String text = tokenizer.decode(Arrays.copyOf(ids, count));
        int cut = firstStop(text);
        if (cut >= 0) {
            stopped = true;
            visible = text.substring(0, cut);
            return advanceTo(visible);
        }
        visible = text;
        return advanceTo(text.substring(0, settledLength(text)));
    }

    /** What is left to send once generation has ended (the held-back tail, if it was not a stop string after all). */
    String finish() {
        return advanceTo(visible);
    }

    /** The whole answer: the generated text, cut before the first stop string. */
    String text() {
        return visible;
    }

    boolean stopped() {
        return stopped;
    }

    int tokenCount() {
        return count;
    }

    private int firstStop(String text) {
        int first = -1;
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /** Length of the prefix of {@code text} no later token can change into something else or into a stop string. */
    private int settledLength(String text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == REPLACEMENT) {
            end--;
        }
        int hold = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, end); k > hold; k--) {
                if (text.startsWith(s.substring(0, k), end - k)) {
                    hold = k;
                    break;
                }
            }
        }
        return end - hold;
    }

    /**
     * Sends what {@code target} adds to what was already sent. A decode that rewrote already-sent text (rare: a
     * tokenizer whose decoding of a prefix is not a prefix of the whole) sends nothing until it agrees again.
     */
    private String advanceTo(String target) {
        if (target.length() <= emitted.length() || !target.startsWith(emitted)) {
            return "";
        }
        String delta = target.substring(emitted.length());
        emitted = target;
        return delta;
    }
}
