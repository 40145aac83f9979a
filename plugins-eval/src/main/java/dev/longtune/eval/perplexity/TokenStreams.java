package dev.longtune.eval.perplexity;

import dev.longtune.api.DataRecord;
import dev.longtune.api.PromptCompletion;
import dev.longtune.api.RunContext;
import dev.longtune.api.TextTokenizer;
import dev.longtune.eval.perplexity.PerplexityOptions.Join;
import dev.longtune.eval.perplexity.PerplexityOptions.Score;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Turns the held-out records into the token streams the windows slide over (see {@link Join}). */
public final class TokenStreams {

    /**
     * Token ids and, per position, whether that token is scored ({@link Score}). A BOS is never scored: nothing
     * predicts it.
     */
    public record Stream(int[] ids, boolean[] scored) {

        public int length() {
            return ids.length;
        }
    }

    private TokenStreams() {}

    /**
     * Each record as BOS + prompt + completion, prompt and completion encoded separately (as the SFT encoder does,
     * so the completion is tokenised exactly as it was trained); one concatenated stream for {@link Join#CONCAT},
     * one stream per record for {@link Join#SEPARATE}. With {@code maxTokens > 0} only the first {@code maxTokens}
     * tokens (in record order) are kept. Streams with nothing to score are dropped.
     */
    public static List<Stream> of(List<DataRecord> records, RunContext context, TextTokenizer tokenizer, Join join,
            long maxTokens, Score score) {
        long budget = maxTokens > 0 ? maxTokens : Long.MAX_VALUE;
        List<Stream> encoded = new ArrayList<>();
        for (DataRecord record : records) {
            if (budget == 0) {
                break;
            }
            PromptCompletion pc = context.format(record);
            int[] prompt = tokenizer.encodeWithBos(pc.prompt());
            int[] completion = tokenizer.encode(pc.completion());
            int[] ids = Arrays.copyOf(prompt, prompt.length + completion.length);
            System.arraycopy(completion, 0, ids, prompt.length, completion.length);
            boolean[] scored = new boolean[ids.length];
            int bos = tokenizer.bosId().isPresent() ? 1 : 0;
            Arrays.fill(scored, score == Score.FULL ? bos : prompt.length, ids.length, true);
            if (ids.length > budget) {
                ids = Arrays.copyOf(ids, (int) budget);
                scored = Arrays.copyOf(scored, (int) budget);
            }
            budget -= ids.length;
            encoded.add(new Stream(ids, scored));
        }
        List<Stream> streams = join == Join.CONCAT ? List.of(concat(encoded)) : encoded;
        // A stream that scores nothing (a bare BOS, a prompt cut off by max_tokens) would be a wasted forward pass.
        return streams.stream().filter(TokenStreams::scoresAnything).toList();
    }

    private static boolean scoresAnything(Stream s) {
        for (int i = 1; i < s.scored().length; i++) {
            if (s.scored()[i]) {
                return true;
            }
        }
        return false;
    }

    private static Stream concat(List<Stream> parts) {
        int total = parts.stream().mapToInt(Stream::length).sum();
        int[] ids = new int[total];
        boolean[] scored = new boolean[total];
        int at = 0;
        for (Stream p : parts) {
            System.arraycopy(p.ids(), 0, ids, at, p.length());
            System.arraycopy(p.scored(), 0, scored, at, p.length());
            at += p.length();
        }
        return new Stream(ids, scored);
    }
}
