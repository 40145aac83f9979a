package dev.longtune.eval.perplexity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.KvCache;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelConfig;
import dev.longtune.api.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A language model whose logits are a fixed table indexed by the current token: {@code logits[b, t] =
 * table[ids[b, t]]}. So the probability of the next token depends only on the previous one and every loss can be
 * computed by hand. Its tokenizer reads whitespace-separated integers; BOS is id 0. Records every window it sees.
 */
final class TableModel implements LanguageModel {

    static final int BOS = 0;

    private final float[][] table;
    private final int maxPositions;
    final List<long[]> seenInputs = new ArrayList<>();

    TableModel(float[][] table, int maxPositions) {
        this.table = table;
        this.maxPositions = maxPositions;
    }

    /** Every next token equally likely: perplexity is exactly the vocabulary size. */
    static TableModel uniform(int vocab, int maxPositions) {
        return new TableModel(new float[vocab][vocab], maxPositions);
    }

    /** Negative log-probability of {@code next} after {@code previous}, from the table in double precision. */
    double nll(int previous, int next) {
        float[] row = table[previous];
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) {
            max = Math.max(max, v);
        }
        double z = 0;
        for (float v : row) {
            z += Math.exp(v - max);
        }
        return -(row[next] - max - Math.log(z));
    }

    @Override
    public NDArray forward(ForwardInput input) {
        long[] ids = input.inputIds().toLongArray();
        seenInputs.add(ids);
        int vocab = table.length;
        float[] logits = new float[ids.length * vocab];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(table[(int) ids[t]], 0, logits, t * vocab, vocab);
        }
        Shape shape = input.inputIds().getShape();
        // Created in the inputs' manager, as the LanguageModel contract requires.
        return input.inputIds().getManager().create(logits, new Shape(shape.get(0), shape.get(1), vocab));
    }

    @Override
    public String architecture() {
        return "table";
    }

    @Override
    public ModelConfig config() {
        return new ModelConfig("table", table.length, 1, 1, 1, 1, 2, maxPositions, 1e4, BOS, 1, null);
    }

    @Override
    public TextTokenizer tokenizer() {
        return new TextTokenizer() {
            @Override
            public int[] encode(String text) {
                return text.isBlank() ? new int[0]
                        : Arrays.stream(text.trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
            }

            @Override
            public String decode(int[] ids) {
                return Arrays.toString(ids);
            }

            @Override
            public int vocabSize() {
                return table.length;
            }

            @Override
            public OptionalInt bosId() {
                return OptionalInt.of(BOS);
            }

            @Override
            public OptionalInt eosId() {
                return OptionalInt.empty();
            }
        };
    }

    @Override
    public NDManager manager() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Map<String, NDArray> parameters() {
        return Map.of();
    }

    @Override
    public KvCache newCache(int batchSize, int capacity) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void save(Path directory) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
}
