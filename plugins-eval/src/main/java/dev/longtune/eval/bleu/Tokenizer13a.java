package dev.longtune.eval.bleu;

import java.util.regex.Pattern;

/**
 * sacrebleu's default {@code 13a} tokenizer ({@code tokenizers/tokenizer_13a.py} + {@code tokenizer_re.py}), the
 * tokenisation of WMT's {@code mteval-v13a.pl}: drop {@code <skipped>}, join lines, unescape four HTML entities,
 * then split off punctuation and symbols (but not apostrophes or hyphens inside words), periods and commas unless
 * they sit between digits, and a dash after a digit.
 */
public final class Tokenizer13a {

    private Tokenizer13a() {}

    // The ASCII symbol ranges {-~, [-`, space-&, (-+, :-@ and '/': everything printable but letters, digits,
    // the apostrophe, '-', '.' and ','.
    private static final Pattern SYMBOL = Pattern.compile("([\\{-\\~\\[-\\`\\x20-\\&\\(-\\+\\:-\\@\\/])");
    private static final Pattern PERIOD_COMMA_AFTER_NON_DIGIT = Pattern.compile("([^0-9])([\\.,])");
    private static final Pattern PERIOD_COMMA_BEFORE_NON_DIGIT = Pattern.compile("([\\.,])([^0-9])");
    private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

    /** The tokens joined with single spaces, as sacrebleu returns them. */
    public static String tokenize(String line) {
        line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
        if (line.indexOf('&') >= 0) {
            line = line.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        }
        line = " " + line + " ";
        line = SYMBOL.matcher(line).replaceAll(" $1 ");
        line = PERIOD_COMMA_AFTER_NON_DIGIT.matcher(line).replaceAll("$1 $2 ");
        line = PERIOD_COMMA_BEFORE_NON_DIGIT.matcher(line).replaceAll(" $1 $2");
        line = DASH_AFTER_DIGIT.matcher(line).replaceAll("$1 $2 ");
        return String.join(" ", PyWhitespace.split(line));
    }
}
