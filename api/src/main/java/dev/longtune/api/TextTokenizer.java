package dev.longtune.api;

import java.util.OptionalInt;

/**
 * A model's tokenizer. {@link #encode} never adds special tokens and never truncates: BOS/EOS are added explicitly
 * by the caller (with {@link #bosId()} / {@link #eosId()}), so every pipeline states what it does with them.
 */
public interface TextTokenizer {

    /** Token ids of {@code text}, without special tokens and without truncation. */
    int[] encode(String text);

    /** Text of {@code ids}, special tokens skipped. */
    String decode(int[] ids);

    /** Size of the tokenizer's vocabulary (including added tokens). */
    int vocabSize();

    OptionalInt bosId();

    OptionalInt eosId();

    /** {@code encode(text)} with BOS in front when the tokenizer has one. */
    default int[] encodeWithBos(String text) {
        int[] ids = encode(text);
        if (bosId().isEmpty()) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = bosId().getAsInt();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }
}
