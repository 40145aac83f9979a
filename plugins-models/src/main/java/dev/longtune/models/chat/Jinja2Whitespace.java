package dev.longtune.models.chat;

import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import com.hubspot.jinjava.tree.parse.NoteToken;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.tree.parse.Token;
import com.hubspot.jinjava.tree.parse.TokenScanner;
import java.util.ArrayList;
import java.util.List;

/**
 * Jinja2's lexer-level whitespace handling, as transformers configures it ({@code trim_blocks=True,
 * lstrip_blocks=True}, {@code keep_trailing_newline=False}), applied to a template's source so that Jinjava, with its
 * own trimming switched off, renders the same text as Jinja2.
 *
 * <p>Jinjava's {@code lstripBlocks} strips the spaces before every <code>{%</code> and <code>{#</code>, so
 * <code>[assistant] {% endif %}</code> lost its space; Jinja2 ({@code jinja2/lexer.py}, {@code Lexer.tokeniter})
 * strips only when the tag is the first non-whitespace on its line. Jinjava also ignores the {@code +} sign and
 * {@code \r\n}. The rules reproduced here, on the source after {@code \r\n} and {@code \r} become {@code \n} and one
 * trailing {@code \n} is dropped ("whitespace" is Python's {@code str.isspace()}):
 *
 * <ul>
 *   <li><code>{%-</code>, <code>{{-</code>, <code>{#-</code>: the text before loses all trailing whitespace
 *       ({@code str.rstrip()}); <code>-%}</code>, <code>-}}</code>, <code>-#}</code>: the whitespace after is eaten;
 *   <li>lstrip_blocks, for <code>{%</code> and <code>{#</code> without a sign (never <code>{{</code>): the
 *       whitespace between the last newline and the tag goes, if nothing else is there; text with no newline counts
 *       only when it starts a line (the template's start, or the previous tag's end ate a newline);
 *       <code>{%+</code> and <code>{#+</code> keep it;
 *   <li>trim_blocks: the one {@code \n} right after <code>%}</code> or <code>#}</code> goes; not after
 *       <code>+%}</code>, nor after <code>{% raw %}</code> (Jinja2's raw rule has no suffix).
 * </ul>
 *
 * <p>Tags are found with Jinjava's own {@link TokenScanner} (strings inside tags, raw blocks), so the edited source
 * splits into the same tags when Jinjava parses it; a brace left just before a tag is written as an expression so it
 * cannot join the tag's delimiter. The output carries no whitespace-control signs (they are blanked, so a syntax
 * error quotes <code>{%  endif %}</code> for <code>{%- endif %}</code>); comments are kept as empty comments with
 * their newlines, so line numbers in errors stay as Jinjava counted them.
 */
final class Jinja2Whitespace {

    /** A scanner configuration that leaves every character in a token (no trim_blocks). */
    private static final JinjavaConfig SCAN = JinjavaConfig.newBuilder().build();

    private enum Kind { TEXT, TAG, EXPRESSION, COMMENT }

    /** One token of the source; {@code left}/{@code right} are the whitespace-control signs ('-', '+' or 0). */
    private record Piece(Kind kind, String image, char left, char right, boolean rawBegin, boolean rawEnd) {}

    private Jinja2Whitespace() {}

    /** The source Jinjava (trim_blocks and lstrip_blocks off) renders to Jinja2's output for {@code template}. */
    static String apply(String template) {
        String source = template.replace("\r\n", "\n").replace('\r', '\n');
        if (source.endsWith("\n")) {
            source = source.substring(0, source.length() - 1);
        }
        List<Piece> pieces;
        try {
            pieces = scan(source);
        } catch (RuntimeException malformed) {
            // e.g. "{%}": Jinjava's parser meets the same token and reports it when the template renders.
            return template;
        }
        StringBuilder out = new StringBuilder(source.length());
        boolean inRaw = false;
        for (int i = 0; i < pieces.size(); i++) {
            Piece p = pieces.get(i);
            if (p.kind() != Kind.TEXT) {
                inRaw = p.rawBegin() || (inRaw && !p.rawEnd());
                out.append(unsigned(p));
                continue;
            }
            String text = p.image();
            Piece before = i > 0 ? pieces.get(i - 1) : null;
            int eaten = before == null ? 0 : eatenAfter(before, text);
            // Jinja2's line_starting: the template's start, or a previous tag end that swallowed a newline.
            boolean lineStarting = before == null || (eaten > 0 && text.charAt(eaten - 1) == '\n');
            text = text.substring(eaten);
            Piece next = i + 1 < pieces.size() ? pieces.get(i + 1) : null;
            if (next != null) {
                text = strippedBefore(next, text, lineStarting);
                if (text.endsWith("{") && !inRaw) {
                    // "{\n{%- if" leaves "{{%", which Jinjava would read as "{{": print that brace as an expression.
                    text = text.substring(0, text.length() - 1) + "{{ '{' }}";
                }
            }
            out.append(text);
        }
        return out.toString();
    }

    /** How many leading characters of {@code text} the end of {@code tag} consumes. */
    private static int eatenAfter(Piece tag, String text) {
        if (tag.right() == '-') {
            int n = 0;
            while (n < text.length() && isSpace(text.charAt(n))) {
                n++;
            }
            return n;
        }
        boolean trims = (tag.kind() == Kind.TAG && !tag.rawBegin()) || tag.kind() == Kind.COMMENT;
        return trims && tag.right() != '+' && text.startsWith("\n") ? 1 : 0;
    }

    /** {@code text} as Jinja2 keeps it before {@code tag}: rstrip for a '-' sign, else lstrip_blocks. */
    private static String strippedBefore(Piece tag, String text, boolean lineStarting) {
        if (tag.left() == '-') {
            int end = text.length();
            while (end > 0 && isSpace(text.charAt(end - 1))) {
                end--;
            }
            return text.substring(0, end);
        }
        if (tag.left() == '+' || tag.kind() == Kind.EXPRESSION) {
            return text;
        }
        int lineStart = text.lastIndexOf('\n') + 1;
        if (lineStart == text.length() || (lineStart == 0 && !lineStarting)) {
            return text;
        }
        for (int k = lineStart; k < text.length(); k++) {
            if (!isSpace(text.charAt(k))) {
                return text;
            }
        }
        return text.substring(0, lineStart);
    }

    /** The tag without its signs (blanked, so columns stay); a comment as an empty comment with its newlines. */
    private static String unsigned(Piece p) {
        String image = p.image();
        if (p.kind() == Kind.COMMENT) {
            return "{# " + "\n".repeat((int) image.chars().filter(c -> c == '\n').count()) + " #}";
        }
        char[] chars = image.toCharArray();
        if (p.left() != 0) {
            chars[2] = ' ';
        }
        if (p.right() != 0) {
            chars[chars.length - 3] = ' ';
        }
        return new String(chars);
    }

    private static List<Piece> scan(String source) {
        List<Piece> pieces = new ArrayList<>();
        TokenScanner scanner = new TokenScanner(source, SCAN);
        while (scanner.hasNext()) {
            Token t = scanner.next();
            String image = t.getImage();
            Kind kind = t instanceof TagToken ? Kind.TAG : t instanceof ExpressionToken ? Kind.EXPRESSION
                    : t instanceof NoteToken && image.endsWith("#}") ? Kind.COMMENT : Kind.TEXT;
            if (kind == Kind.TEXT) {
                Piece last = pieces.isEmpty() ? null : pieces.get(pieces.size() - 1);
                if (last != null && last.kind() == Kind.TEXT) {
                    pieces.set(pieces.size() - 1, new Piece(Kind.TEXT, last.image() + image, (char) 0, (char) 0,
                            false, false));
                } else {
                    pieces.add(new Piece(Kind.TEXT, image, (char) 0, (char) 0, false, false));
                }
                continue;
            }
            // "{%-x-%}": signs sit just inside the delimiters; a 5-character "{%-%}" has only the left one.
            char left = sign(image.charAt(2));
            char right = image.length() > 5 ? sign(image.charAt(image.length() - 3)) : 0;
            if (kind == Kind.EXPRESSION && right == '+') {
                right = 0; // "+}}" is no sign in Jinja2 (an operator, then a syntax error)
            }
            String name = t instanceof TagToken tag ? tag.getTagName() : "";
            pieces.add(new Piece(kind, image, left, right, name.equals("raw"), name.equals("endraw")));
        }
        return pieces;
    }

    private static char sign(char c) {
        return c == '-' || c == '+' ? c : 0;
    }

    /** Python's {@code str.isspace()} (and {@code \s} in a str regex): Java's whitespace plus no-break spaces and NEL. */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }
}
