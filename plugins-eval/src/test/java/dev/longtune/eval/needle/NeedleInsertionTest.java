package dev.longtune.eval.needle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/** NIAH's insertion worked out by hand on small id sequences; id 0 is the "." token. */
class NeedleInsertionTest {

    private static final IntPredicate PERIOD = id -> id == 0;
    private static final int[] NEEDLE = {100, 101, 102};
    /** Sentences end at indices 2, 7 and 13. */
    private static final int[] HAYSTACK = {1, 2, 0, 3, 4, 5, 6, 0, 7, 8, 9, 10, 11, 0, 12, 13, 14, 15, 16, 17, 18, 19};

    /** Length 20, buffer 5: 15 tokens for haystack + needle, so the haystack is cut to its first 12. */
    private static NeedleInsertion.Placement at(double depth) {
        return NeedleInsertion.insert(HAYSTACK, NEEDLE, depth, 20, 5, PERIOD);
    }

    @Test
    void trimsToLengthMinusBufferMinusNeedle() {
        NeedleInsertion.Placement p = at(100);
        assertEquals(12, p.haystackTokens());
        assertEquals(15, p.ids().length);
    }

    @Test
    void theProtocolsBufferOf200() {
        // L = 300 with the default final buffer: 300 - 200 - 3 = 97 haystack tokens, then the 3 needle tokens.
        int[] haystack = new int[1000];
        java.util.Arrays.fill(haystack, 7);
        NeedleInsertion.Placement p = NeedleInsertion.insert(haystack, NEEDLE, 100, 300, 200, PERIOD);
        assertEquals(97, p.haystackTokens());
        assertEquals(100, p.ids().length);
    }

    @Test
    void depthHundredAppendsTheNeedle() {
        assertArrayEquals(new int[] {1, 2, 0, 3, 4, 5, 6, 0, 7, 8, 9, 10, 100, 101, 102}, at(100).ids());
        assertEquals(12, at(100).insertionPoint());
    }

    @Test
    void depthZeroPutsTheNeedleFirst() {
        assertArrayEquals(new int[] {100, 101, 102, 1, 2, 0, 3, 4, 5, 6, 0, 7, 8, 9, 10}, at(0).ids());
    }

    @Test
    void insertionMovesBackToTheTokenAfterAPeriod() {
        // depth 50: int(12 * 0.5) = 6; ids[5] = 5, ids[4] = 4, ids[3] = 3 are not periods, ids[2] is: point 3.
        assertArrayEquals(new int[] {1, 2, 0, 100, 101, 102, 3, 4, 5, 6, 0, 7, 8, 9, 10}, at(50).ids());
        assertEquals(3, at(50).insertionPoint());
        // depth 75: int(12 * 0.75) = 9; back past 7 to the period at index 7: point 8.
        assertEquals(8, at(75).insertionPoint());
        // depth 33: int(12 * 0.33) = int(3.96) = 3, truncated as Python's int() does; ids[2] is a period already.
        assertEquals(3, at(33).insertionPoint());
        // A point right after a period does not move.
        assertEquals(8, at(8 / 12.0 * 100 + 1e-9).insertionPoint());
    }

    @Test
    void withoutAPeriodBeforeItTheNeedleGoesToTheStart() {
        // depth 10: int(1.2) = 1; ids[0] = 1 is not a period, and the walk stops at the start.
        assertEquals(0, at(10).insertionPoint());
    }

    @Test
    void aShortHaystackIsNotTrimmed() {
        NeedleInsertion.Placement p = NeedleInsertion.insert(new int[] {1, 0, 2}, NEEDLE, 100, 64, 8, PERIOD);
        assertArrayEquals(new int[] {1, 0, 2, 100, 101, 102}, p.ids());
        // Longer than L itself: cut to L first (encode_and_trim), then nothing more when it fits the budget.
        NeedleInsertion.Placement q = NeedleInsertion.insert(HAYSTACK, NEEDLE, 100, 10, 0, PERIOD);
        assertEquals(7, q.haystackTokens(), "10 - 0 - 3");
    }

    @Test
    void refusesALengthWithNoRoomForTheNeedle() {
        assertThrows(IllegalArgumentException.class, () -> NeedleInsertion.insert(HAYSTACK, NEEDLE, 50, 7, 5,
                PERIOD));
    }
}
