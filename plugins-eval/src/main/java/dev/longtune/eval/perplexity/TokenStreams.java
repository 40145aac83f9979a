package dev.longtune.eval.perplexity;

import dev.longtune.api.DataRecord;
import dev.longtune.api.RunContext;
import dev.longtune.api.TextTokenizer;
import dev.longtune.eval.perplexity.PerplexityOptions.Join;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Turns the held-out records into the token streams the windows slide over (see {@link Join}). */
final class TokenStreams {

    private TokenStreams() {}

    /**
     * Each record's full text ({@code context.format(record).fullText()}) encoded with BOS; one concatenated stream
     * for {@link Join#CONCAT}, one stream per record for {@link Join#SEPARATE}. With {@code maxTokens > 0} only the
     * first {@code maxTokens} tokens (in record order) are kept.
     */
    static List<int[]> of(List<DataRecord> records, RunContext context, TextTokenizer tokenizer, Join join,
            long maxTokens) {
        long budget = maxTokens > 0 ? maxTokens : Long.MAX_VALUE;
        List<int[]> encoded = new ArrayList<>();
        for (DataRecord record : records) {
            if (budget == 0) {
                break;
            }
            int[] ids = tokenizer.encodeWithBos(context.format(record).fullText());
            if (ids.length > budget) {
                ids = Arrays.copyOf(ids, (int) budget);
            }
            budget -= ids.length;
            encoded.add(ids);
        }
        return join == Join.CONCAT ? List.of(concat(encoded)) : encoded;
    }

    private static int[] concat(List<int[]> parts) {
        int total = parts.stream().mapToInt(p -> p.length).sum();
        int[] out = new int[total];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
