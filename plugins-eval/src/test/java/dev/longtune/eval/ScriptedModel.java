package dev.longtune.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * A test double for the generating evaluators: a character-level tokenizer (one token per character, id = char + 3,
 * BOS 1, EOS 2, so token counts are character counts and can be worked out by hand) and a {@code generate} that
 * answers with whatever {@code answer} makes of the decoded prompt, cut to {@code maxNewTokens}. Records every prompt.
 */
public final class ScriptedModel implements LanguageModel {

    public static final int BOS = 1;
    public static final int EOS = 2;
    private static final int OFFSET = 3;

    private final int maxPositions;
    private final UnaryOperator<String> answer;
    public final List<String> prompts = new ArrayList<>();
    public final List<GenerationOptions> options = new ArrayList<>();

    public ScriptedModel(int maxPositions, UnaryOperator<String> answer) {
        this.maxPositions = maxPositions;
        this.answer = answer;
    }

    public static final TextTokenizer CHARS = new TextTokenizer() {
        @Override
        public int[] encode(String text) {
            return text.chars().map(c -> c + OFFSET).toArray();
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                if (id >= OFFSET) {
                    sb.append((char) (id - OFFSET));
                }
            }
            return sb.toString();
        }

        @Override
        public int vocabSize() {
            return Character.MAX_VALUE + OFFSET + 1;
        }

        @Override
        public OptionalInt bosId() {
            return OptionalInt.of(BOS);
        }

        @Override
        public OptionalInt eosId() {
            return OptionalInt.of(EOS);
        }
    };

    @Override
    public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
        if (promptIds[0] != BOS) {
            throw new AssertionError("the prompt must start with BOS");
        }
        String prompt = CHARS.decode(promptIds);
        prompts.add(prompt);
        this.options.add(options);
        int[] ids = CHARS.encode(answer.apply(prompt));
        ids = Arrays.copyOf(ids, Math.min(ids.length, options.maxNewTokens()));
        return new Generation(ids, CHARS.decode(ids), promptIds.length, 1);
    }

    @Override
    public String architecture() {
        return "scripted";
    }

    @Override
    public ModelConfig config() {
        return new ModelConfig("scripted", CHARS.vocabSize(), 1, 1, 1, 1, 2, maxPositions, 1e4, BOS, EOS, null);
    }

    @Override
    public TextTokenizer tokenizer() {
        return CHARS;
    }

    @Override
    public NDManager manager() {
        throw new UnsupportedOperationException();
    }

    @Override
    public java.util.Map<String, NDArray> parameters() {
        return java.util.Map.of();
    }

    @Override
    public NDArray forward(ForwardInput input) {
        throw new UnsupportedOperationException("the generating evaluators only call generate");
    }

    @Override
    public KvCache newCache(int batchSize, int capacity) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void save(Path directory) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
}
