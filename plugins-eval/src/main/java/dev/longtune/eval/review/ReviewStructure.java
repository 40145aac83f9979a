package dev.longtune.eval.review;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds which of the four {@link ReviewCriterion criteria} a review covers. A criterion is covered when
 * <ol>
 *   <li>a line is one of its headings ({@code Strengths}, {@code **Reasons to reject:**}, {@code 3. Suggestions},
 *       {@code Cons: the baselines are weak}), and the section under it — up to the next criterion heading, the
 *       heading line's own text after the colon included — has at least {@code minChars} non-blank characters, or
 *   <li>one of its cue phrases occurs in the text outside heading words.
 * </ol>
 * Heading words are not cues, so a bare template ("Strengths:\nWeaknesses:") covers nothing.
 */
public final class ReviewStructure {

    /** Bullet, markdown heading, numbering ({@code 1.}, {@code 2)}, {@code (a)}, {@code a.}) in front of a heading. */
    private static final Pattern LEADER = Pattern.compile("^(?:#+|[-*•>]+|\\d+[.)]|\\([a-z0-9]+\\)|[a-z][.)])\\s*",
            Pattern.CASE_INSENSITIVE);
    private static final Map<ReviewCriterion, Pattern> HEADINGS = new EnumMap<>(ReviewCriterion.class);

    static {
        for (ReviewCriterion c : ReviewCriterion.values()) {
            // The heading alone on its line (optionally "... of the paper" and a colon), or "Heading: inline text".
            HEADINGS.put(c, Pattern.compile("^(?:" + c.headingAlternatives() + ")"
                    + "(?:\\s+of\\s+(?:the|this)\\s+(?:paper|work|submission|approach|method))?"
                    + "(?:\\s*[:：]\\s*(.*)|\\s+[-–—]\\s+(.*)|\\s*[:：.]?\\s*)$",
                    Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
        }
    }

    private ReviewStructure() {}

    /**
     * What was found in one review.
     *
     * @param evidence per covered criterion, how it was found: {@code heading "<line>"} or {@code cue "<phrase>"}
     */
    public record Coverage(Map<ReviewCriterion, String> evidence) {

        public Coverage {
            Map<ReviewCriterion, String> copy = new EnumMap<>(ReviewCriterion.class);
            copy.putAll(evidence);
            evidence = Collections.unmodifiableMap(copy);
        }

        public boolean covers(ReviewCriterion c) {
            return evidence.containsKey(c);
        }

        /** Criteria covered, 0 to 4. */
        public int count() {
            return evidence.size();
        }

        /** Criteria covered / 4. */
        public double score() {
            return count() / (double) ReviewCriterion.values().length;
        }
    }

    private record Heading(int line, ReviewCriterion criterion, String inline) {}

    /** The criteria {@code review} covers; {@code minChars} is the least content a heading's section needs. */
    public static Coverage analyse(String review, int minChars) {
        String[] lines = (review == null ? "" : review).split("\\R", -1);
        List<Heading> headings = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            Heading h = heading(i, lines[i]);
            if (h != null) {
                headings.add(h);
            }
        }
        Map<ReviewCriterion, String> evidence = new EnumMap<>(ReviewCriterion.class);
        for (int k = 0; k < headings.size(); k++) {
            Heading h = headings.get(k);
            int end = k + 1 < headings.size() ? headings.get(k + 1).line() : lines.length;
            int content = nonBlank(h.inline());
            for (int i = h.line() + 1; i < end; i++) {
                content += nonBlank(lines[i]);
            }
            if (content >= minChars && !evidence.containsKey(h.criterion())) {
                evidence.put(h.criterion(), "heading \"" + lines[h.line()].strip() + "\"");
            }
        }
        StringBuilder body = new StringBuilder();
        int next = 0;
        for (int i = 0; i < lines.length; i++) {
            if (next < headings.size() && headings.get(next).line() == i) {
                body.append(headings.get(next++).inline());
            } else {
                body.append(lines[i]);
            }
            body.append('\n');
        }
        for (ReviewCriterion c : ReviewCriterion.values()) {
            if (!evidence.containsKey(c)) {
                Matcher m = c.cue().matcher(body);
                if (m.find()) {
                    evidence.put(c, "cue \"" + m.group() + "\"");
                }
            }
        }
        return new Coverage(evidence);
    }

    private static Heading heading(int index, String line) {
        String s = line.replace("**", "").replace("__", "").strip();
        s = LEADER.matcher(s).replaceFirst("").strip();
        if (s.isEmpty()) {
            return null;
        }
        for (ReviewCriterion c : ReviewCriterion.values()) {
            Matcher m = HEADINGS.get(c).matcher(s);
            if (m.matches()) {
                String inline = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : "";
                return new Heading(index, c, inline);
            }
        }
        return null;
    }

    private static int nonBlank(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                n++;
            }
        }
        return n;
    }
}
