package dev.longtune.host.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Sample text is data, never markup: a hostile held-out record shows as its characters in both reports. */
class ReportEscapingTest {

    @Test
    void htmlEscapingByHand() {
        assertEquals("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;s",
                Escape.html("</script><img src=x onerror=alert(1)> & \"q\" 's"));
    }

    @Test
    void markdownCellEscapingByHand() {
        assertEquals("a\\|b<br>&lt;i&gt;\\*x\\*&lt;/i&gt; \\`c\\` &amp;\\#39; \\[l\\](u)",
                Escape.markdownCell("a|b\n<i>*x*</i> `c` &#39; [l](u)"));
        assertEquals("````", Escape.fence("text with ``` inside"));
    }

    @Test
    void hostileSampleInTheHtmlReportIsText() throws IOException {
        Path run = ReportRuns.training();
        String html = Files.readString(run.resolve("report.html"));
        assertFalse(html.contains("</script><img"), "raw hostile text in report.html");
        // Escaped by hand: what a browser shows as the original characters.
        String escaped = "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; | `rm -rf` **bold** &lt;b&gt;&amp;amp;";
        assertTrue(html.contains("Repeat: " + escaped), "prompt of the hostile record, escaped");
        assertTrue(html.contains("Reference " + escaped), "reference of the hostile record, escaped");
        assertEquals(1, count(html, "<script"), "only the report's own script");
        assertEquals(1, count(html, "</script>"));
        assertEquals(count(html, "<img "), count(html, "src=\"data:image/png;base64,"),
                "every <img> is one of the report's pictures");
        assertFalse(Pattern.compile("(?i)<[a-z][^>]*\\son[a-z]+\\s*=").matcher(html).find(),
                "no tag carries an event handler attribute");
    }

    @Test
    void hostileSampleInTheMarkdownReportIsText() throws IOException {
        String md = Files.readString(ReportRuns.training().resolve("report.md"));
        assertFalse(md.contains("<img") || md.contains("</script>") || md.contains("<b>"), "raw markup in report.md");
        String header = md.lines().filter(l -> l.startsWith("| prompt |")).findFirst().orElseThrow();
        String row = md.lines().filter(l -> l.contains("Repeat:")).findFirst().orElseThrow();
        // The '|' inside the text is escaped, so the row has as many cells as the header.
        assertEquals(cells(header), cells(row), row);
        assertTrue(row.contains("\\| \\`rm -rf\\` \\*\\*bold\\*\\* &lt;b&gt;&amp;amp;"), row);
    }

    private static int cells(String tableLine) {
        Matcher m = Pattern.compile("(?<!\\\\)\\|").matcher(tableLine);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
