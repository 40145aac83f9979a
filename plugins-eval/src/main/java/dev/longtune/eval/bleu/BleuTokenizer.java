package dev.longtune.eval.bleu;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** The tokenisations sacrebleu calls {@code 13a} (its default, WMT's) and {@code none} (already tokenised text). */
public enum BleuTokenizer {
    THIRTEEN_A("13a"),
    NONE("none");

    private final String label;

    BleuTokenizer(String label) {
        this.label = label;
    }

    @JsonValue
    public String label() {
        return label;
    }

    /** The tokenizer named {@code label}; an unknown name is rejected listing the valid ones. */
    @JsonCreator
    public static BleuTokenizer of(String label) {
        return Arrays.stream(values()).filter(t -> t.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown tokenize '" + label + "'; valid: 13a, none "
                        + "(sacrebleu's intl, char, zh, ja-mecab, spm ... are not implemented)"));
    }

    /**
     * sacrebleu's {@code _preprocess_segment}: optionally lowercase, strip trailing whitespace, tokenise. The result's
     * tokens are separated by whitespace.
     */
    public String preprocess(String segment, boolean lowercase) {
        String s = lowercase ? segment.toLowerCase(Locale.ROOT) : segment;
        s = PyWhitespace.rstrip(s);
        return this == THIRTEEN_A ? Tokenizer13a.tokenize(s) : s;
    }
}
