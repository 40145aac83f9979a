package dev.longtune.eval.rouge;

import java.util.ArrayList;
import java.util.List;

/**
 * Scores one prediction against one reference text with ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum, like
 * {@code RougeScorer(['rouge1', 'rouge2', 'rougeL', 'rougeLsum'], use_stemmer=...).score(target, prediction)}.
 */
public final class RougeScorer {

    /** The four measures of one pair. */
    public record Scores(RougeScore rouge1, RougeScore rouge2, RougeScore rougeL, RougeScore rougeLsum) {}

    private final RougeTokenizer tokenizer;

    public RougeScorer(boolean useStemmer) {
        this.tokenizer = new RougeTokenizer(useStemmer);
    }

    public Scores score(String reference, String prediction) {
        List<String> ref = tokenizer.tokenize(reference);
        List<String> pred = tokenizer.tokenize(prediction);
        return new Scores(RougeMeasures.rougeN(ref, pred, 1), RougeMeasures.rougeN(ref, pred, 2),
                RougeMeasures.rougeL(ref, pred),
                RougeMeasures.rougeLsum(sentences(reference), sentences(prediction)));
    }

    /**
     * rougeLsum's sentences: the text split on {@code "\n"} (rouge_score's default; it does not split sentences
     * itself unless asked to with NLTK), empty lines dropped, each tokenised.
     */
    List<List<String>> sentences(String text) {
        List<List<String>> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (!line.isEmpty()) {
                out.add(tokenizer.tokenize(line));
            }
        }
        return out;
    }
}
