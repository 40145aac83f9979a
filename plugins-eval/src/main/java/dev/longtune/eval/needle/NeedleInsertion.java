package dev.longtune.eval.needle;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Where the needle goes, on token ids (numerics spec F; NIAH's {@code insert_needle}):
 * <ol>
 *   <li>the haystack is cut to {@code L} tokens ({@code encode_and_trim});
 *   <li>{@code L} is reduced by the final buffer, and if haystack + needle exceed it, the haystack is cut to
 *       {@code L - buffer - len(needle)};
 *   <li>at depth 100 the needle is appended; otherwise the insertion point is {@code int(len · depth/100)}, moved
 *       backwards until the token before it is a period (or the start is reached), and the needle is spliced in.
 * </ol>
 * The original decodes the trimmed haystack to text and encodes it again before inserting; this works on the ids
 * throughout, which avoids a round trip that can change the tokens.
 */
public final class NeedleInsertion {

    private NeedleInsertion() {}

    /**
     * @param ids haystack then needle then haystack
     * @param haystackTokens haystack tokens kept
     * @param insertionPoint index of the needle's first token in {@code ids}
     */
    public record Placement(int[] ids, int haystackTokens, int insertionPoint) {}

    /** The tokens available for haystack plus needle at length {@code contextLength}. */
    public static int budget(int contextLength, int finalBuffer) {
        return contextLength - finalBuffer;
    }

    public static Placement insert(int[] haystack, int[] needle, double depthPercent, int contextLength,
            int finalBuffer, IntPredicate isPeriod) {
        int budget = budget(contextLength, finalBuffer);
        if (budget - needle.length < 0) {
            throw new IllegalArgumentException("context length " + contextLength + " minus the final buffer "
                    + finalBuffer + " leaves " + budget + " tokens, fewer than the needle's " + needle.length);
        }
        int[] context = Arrays.copyOf(haystack, Math.min(haystack.length, contextLength));
        if (context.length + needle.length > budget) {
            context = Arrays.copyOf(context, budget - needle.length);
        }
        int point;
        if (depthPercent == 100) {
            point = context.length;
        } else {
            // Python's int(len(tokens) * (depth / 100)): truncation of the float product.
            point = (int) (context.length * (depthPercent / 100));
            while (point > 0 && !isPeriod.test(context[point - 1])) {
                point--;
            }
        }
        int[] out = new int[context.length + needle.length];
        System.arraycopy(context, 0, out, 0, point);
        System.arraycopy(needle, 0, out, point, needle.length);
        System.arraycopy(context, point, out, point + needle.length, context.length - point);
        return new Placement(out, context.length, point);
    }
}
