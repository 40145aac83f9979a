package dev.longtune.training;

import dev.longtune.api.TextTokenizer;
import java.util.OptionalInt;

/** A character tokenizer for tests: 0 = unknown, 1 = BOS, 2 = EOS, printable ASCII c = c - 29. */
public final class CharTokenizer implements TextTokenizer {

    public static final int VOCAB = 3 + 95;

    private final boolean withBos;
    private final boolean withEos;

    public CharTokenizer() {
        this(true, true);
    }

    public CharTokenizer(boolean withBos, boolean withEos) {
        this.withBos = withBos;
        this.withEos = withEos;
    }

    @Override
    public int[] encode(String text) {
        int[] out = new int[text.length()];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out[i] = c >= 32 && c < 127 ? c - 29 : 0;
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id >= 3) {
                sb.append((char) (id + 29));
            }
        }
        return sb.toString();
    }

    @Override
    public int vocabSize() {
        return VOCAB;
    }

    @Override
    public OptionalInt bosId() {
        return withBos ? OptionalInt.of(1) : OptionalInt.empty();
    }

    @Override
    public OptionalInt eosId() {
        return withEos ? OptionalInt.of(2) : OptionalInt.empty();
    }
}
