package dev.longtune.eval.bleu;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's {@code str.split()} and {@code str.rstrip()} without arguments, which sacrebleu uses to cut tokens: they
 * treat every character for which {@code str.isspace()} holds as whitespace. That is Java's
 * {@link Character#isWhitespace} plus the no-break spaces (U+00A0, U+2007, U+202F) and NEXT LINE (U+0085), which
 * Java leaves out; without them a no-break space inside a generation would glue two words into one token.
 */
final class PyWhitespace {

    private PyWhitespace() {}

    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || c == '\u00A0' || c == '\u2007' || c == '\u202F' || c == '\u0085';
    }

    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= s.length(); i++) {
            boolean space = i == s.length() || isSpace(s.charAt(i));
            if (!space && start < 0) {
                start = i;
            } else if (space && start >= 0) {
                out.add(s.substring(start, i));
                start = -1;
            }
        }
        return out;
    }

    static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
