package dev.longtune.host.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenLengthsTest {

    @TempDir
    Path dir;

    /** Expected values are numpy's: {@code np.percentile([1..10], 50) = 5.5}, {@code 95 → 9.55}, worked by hand. */
    @Test
    void percentilesInterpolateLikeNumpy() {
        int[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5.5, TokenLengths.percentile(x, 50), 1e-12);
        assertEquals(9.55, TokenLengths.percentile(x, 95), 1e-12); // h = 9 × 0.95 = 8.55 → 9 + 0.55 × (10 − 9)
        assertEquals(1, TokenLengths.percentile(x, 0), 0);
        assertEquals(10, TokenLengths.percentile(x, 100), 0);
        assertEquals(7, TokenLengths.percentile(new int[] {7}, 95), 0);
        assertEquals(25, TokenLengths.percentile(new int[] {10, 20, 30, 40}, 50), 1e-12); // h = 1.5 → 20 + 0.5 × 10
    }

    @Test
    void capsEachSplitAndSaysSo() throws Exception {
        List<String> records = new ArrayList<>();
        for (int i = 0; i < TokenLengths.CAP + 500; i++) {
            records.add("w".repeat(1 + i % 50));
        }
        TokenLengths l = TokenLengths.measure(List.of(new TokenLengths.Named<>("train", records),
                new TokenLengths.Named<>("held-out", List.<String>of())), String::length, 40);
        assertEquals(1, l.splits().size(), "an empty split is left out");
        TokenLengths.Split s = l.splits().get(0);
        assertEquals(TokenLengths.CAP + 500, s.records());
        assertEquals(TokenLengths.CAP, s.measured());
        assertEquals(1, s.min());
        assertEquals(50, s.max());
        assertEquals(TokenLengths.CAP / 50 * 10, s.longerThan(40)); // lengths 41..50 in every run of 50
        assertTrue(ReportText.lengthNotes(l).stream().anyMatch(n -> n.contains("Only the first 2000 of 2500 train")));

        l.write(dir);
        TokenLengths back = TokenLengths.read(dir);
        assertEquals(l.maxLength(), back.maxLength());
        assertEquals(s.median(), back.splits().get(0).median());
    }

    @Test
    void histogramBinsCoverTheLengthsAndTheCutOff() {
        assertEquals(5, LengthHistogram.binWidth(100)); // 100 / 24 = 4.2 → the next 1/2/5 step
        assertEquals(1, LengthHistogram.binWidth(10));
        assertEquals(200, LengthHistogram.binWidth(4000));
        int[] c = LengthHistogram.counts(new int[] {210, 214, 215, 259}, 5, 42, 10);
        assertEquals(2, c[0]); // [210, 215)
        assertEquals(1, c[1]);
        assertEquals(1, c[9]); // [255, 260)
    }
}
