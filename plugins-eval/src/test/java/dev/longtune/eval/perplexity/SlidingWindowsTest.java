package dev.longtune.eval.perplexity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.longtune.eval.perplexity.SlidingWindows.Window;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The window plan, worked out by hand from the spec's loop (F). */
class SlidingWindowsTest {

    @Test
    void overlappingWindowsScoreOnlyNewTokens() {
        // N = 20, max_length 8, stride 4: begins 0, 4, 8, 12; ends 8, 12, 16, 20 (stop: end == N).
        assertEquals(List.of(new Window(0, 8, 8), new Window(4, 12, 4), new Window(8, 16, 4), new Window(12, 20, 4)),
                SlidingWindows.plan(20, 8, 4));
    }

    @Test
    void nonOverlappingWindowsTileTheStream() {
        // stride == max_length: begins 0, 8, 16; the last window is short.
        assertEquals(List.of(new Window(0, 8, 8), new Window(8, 16, 8), new Window(16, 20, 4)),
                SlidingWindows.plan(20, 8, 8));
    }

    @Test
    void aShortStreamIsOneWindow() {
        assertEquals(List.of(new Window(0, 5, 5)), SlidingWindows.plan(5, 8, 4));
        // begin = 4 would start past the end of the first window only if end < N; here end == N at once.
        assertEquals(List.of(new Window(0, 8, 8)), SlidingWindows.plan(8, 8, 4));
    }

    @Test
    void labelsIgnoreTheContextPrefix() {
        int[] stream = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21};
        long[] labels = SlidingWindows.labels(stream, new Window(4, 12, 4), -100);
        assertArrayEquals(new long[] {-100, -100, -100, -100, 18, 19, 20, 21}, labels);
        assertArrayEquals(new long[] {14, 15, 16, 17, 18, 19, 20, 21},
                SlidingWindows.inputIds(stream, new Window(4, 12, 4)));
    }

    @Test
    void rejectsAStrideThatWouldSkipTokens() {
        assertThrows(IllegalArgumentException.class, () -> SlidingWindows.plan(20, 8, 9));
        assertThrows(IllegalArgumentException.class, () -> SlidingWindows.plan(20, 1, 1));
    }
}
