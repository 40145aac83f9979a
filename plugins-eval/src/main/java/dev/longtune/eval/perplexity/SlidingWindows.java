package dev.longtune.eval.perplexity;

import java.util.ArrayList;
import java.util.List;

/**
 * The window plan of Hugging Face's strided perplexity (numerics spec F), kept apart from the model so the exact
 * windows and scored tokens can be checked by hand.
 *
 * <p>For {@code begin} in {@code range(0, N, stride)}: {@code end = min(begin + maxLength, N)}, and only the last
 * {@code end - prevEnd} tokens of the window are scored (the rest are context already scored by an earlier window).
 * Stops once {@code end == N}.
 *
 * <p>Scored-token count, with the causal shift (the first token of a window has nothing before it): the first window
 * scores {@code end - 1}; a later window scores all of its {@code end - prevEnd} targets when the windows overlap
 * ({@code stride < maxLength}), so a stream of N tokens scores {@code N - 1}; without overlap
 * ({@code stride == maxLength}) every window loses its first token and the stream scores {@code N - windows}.
 */
public final class SlidingWindows {

    private SlidingWindows() {}

    /**
     * One forward pass.
     *
     * @param begin first token of the window's input
     * @param end one past its last token
     * @param targetLength how many of its last tokens are labelled (the others get {@code -100})
     */
    public record Window(int begin, int end, int targetLength) {

        public int length() {
            return end - begin;
        }
    }

    /** The windows over a stream of {@code tokens} tokens. */
    public static List<Window> plan(int tokens, int maxLength, int stride) {
        if (maxLength < 2 || stride < 1 || stride > maxLength) {
            throw new IllegalArgumentException("need 2 <= max_length and 1 <= stride <= max_length, got max_length "
                    + maxLength + ", stride " + stride);
        }
        List<Window> windows = new ArrayList<>();
        int prevEnd = 0;
        for (int begin = 0; begin < tokens; begin += stride) {
            int end = Math.min(begin + maxLength, tokens);
            windows.add(new Window(begin, end, end - prevEnd));
            prevEnd = end;
            if (end == tokens) {
                break;
            }
        }
        return windows;
    }

    /** The window's labels: its token ids, with every position before the last {@code targetLength} ignored. */
    public static long[] labels(int[] stream, Window w, long ignore) {
        long[] labels = new long[w.length()];
        int firstTarget = w.length() - w.targetLength();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i < firstTarget ? ignore : stream[w.begin() + i];
        }
        return labels;
    }

    /** The window's input ids as int64. */
    public static long[] inputIds(int[] stream, Window w) {
        long[] ids = new long[w.length()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = stream[w.begin() + i];
        }
        return ids;
    }
}
