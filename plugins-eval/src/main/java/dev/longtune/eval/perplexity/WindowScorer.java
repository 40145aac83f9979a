package dev.longtune.eval.perplexity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.RunContext;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.eval.perplexity.SlidingWindows.Window;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the model over the windows {@link SlidingWindows} plans and adds up the NLL of the scored tokens. Shared by
 * {@code perplexity} and {@code perplexity_by_length}, so the two give the same number at the same length.
 */
public final class WindowScorer {

    private WindowScorer() {}

    /** Summed NLL, scored tokens and forward passes, of one window or of all. */
    public record Totals(double nll, long tokens, int windows) {

        public double nllPerToken() {
            return nll / tokens;
        }

        public double perplexity() {
            return Math.exp(nllPerToken());
        }
    }

    /** How many forward passes {@link #score} will make. */
    public static int windows(List<TokenStreams.Stream> streams, int maxLength, int stride) {
        return streams.stream().mapToInt(s -> SlidingWindows.plan(s.length(), maxLength, stride).size()).sum();
    }

    /**
     * Scores every stream with windows of {@code maxLength} moved by {@code stride}, advancing {@code progress} by
     * one per window.
     */
    public static Totals score(LanguageModel model, RunContext context, List<TokenStreams.Stream> streams,
            int maxLength, int stride, RunContext.Progress progress) {
        double nll = 0;
        long tokens = 0;
        int windows = 0;
        for (TokenStreams.Stream stream : streams) {
            for (Window w : SlidingWindows.plan(stream.length(), maxLength, stride)) {
                Totals window = scoreWindow(model, context, stream, w);
                nll += window.nll();
                tokens += window.tokens();
                windows++;
                double running = Math.exp(nll / Math.max(1, tokens));
                progress.advance(1, Map.of("ppl", String.format(Locale.ROOT, "%.3f", running)));
            }
        }
        return new Totals(nll, tokens, windows);
    }

    /**
     * One forward pass in its own sub-manager: the inputs are created in it and the model attaches every array of
     * the pass to the inputs' manager, so closing it frees the window's native memory (logits included). The loss
     * is read into Java numbers before the manager closes.
     */
    private static Totals scoreWindow(LanguageModel model, RunContext context, TokenStreams.Stream stream, Window w) {
        try (NDManager window = context.manager().newSubManager()) {
            Shape shape = new Shape(1, w.length());
            NDArray ids = window.create(SlidingWindows.inputIds(stream.ids(), w), shape);
            long[] labelValues = SlidingWindows.labels(stream.ids(), w, TokenLoss.IGNORE);
            for (int i = 0; i < labelValues.length; i++) {
                if (!stream.scored()[w.begin() + i]) {
                    labelValues[i] = TokenLoss.IGNORE;
                }
            }
            NDArray labels = window.create(labelValues, shape);
            NDArray logits = model.forward(ForwardInput.of(ids));
            TokenLoss.Sum sum = TokenLoss.shiftedNll(logits, labels);
            return new Totals(sum.sum().getFloat(), sum.tokens(), 1);
        }
    }
}
