package dev.longtune.host.report;

/**
 * Escaping of arbitrary text (sample generations, prompts, config values) for the two report formats, so no text a
 * model or a dataset produced can become markup: {@code </script><img src=x onerror=...>} shows as those characters.
 */
final class Escape {

    private Escape() {}

    /** Text for HTML element content or a quoted attribute value. */
    static String html(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c < 0x20 && c != '\n' && c != '\t' && c != '\r' ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    /**
     * Text for one cell of a GitHub Markdown table: HTML-escaped (GitHub renders inline HTML), Markdown's inline
     * markers backslash-escaped, the cell separator {@code |} escaped and line breaks as {@code <br>} (a table row is
     * one line).
     */
    static String markdownCell(String s) {
        return markdownInline(s).replace("|", "\\|").replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>");
    }

    /** Text inside a Markdown paragraph or list item: no markup survives (one pass, so entities stay intact). */
    static String markdownInline(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("&<>\"'".indexOf(c) >= 0) {
                b.append(html(String.valueOf(c)));
            } else {
                if ("\\`*_[]#!~".indexOf(c) >= 0) {
                    b.append('\\');
                }
                b.append(c < 0x20 && c != '\n' && c != '\t' && c != '\r' ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    /** A fenced code block's fence: longer than any backtick run in the text, so the text cannot close it. */
    static String fence(String text) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            run = text.charAt(i) == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return "`".repeat(Math.max(3, longest + 1));
    }
}
