package dev.longtune.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Best-fit decreasing and the layout of packed rows (spec D.6), checked by hand on small lengths. */
class PackingTest {

    @Test
    void bestFitDecreasingByHand() {
        // capacity 10, lengths [5, 3, 8, 2, 6, 4]; decreasing: 8(i2) 6(i4) 5(i0) 4(i5) 3(i1) 2(i3)
        // 8 -> new bin0 (room 2); 6 -> new bin1 (room 4); 5 -> new bin2 (room 5); 4 -> tightest fit bin1 (room 0);
        // 3 -> bin2 (room 2); 2 -> bin0 and bin2 both have room 2: the first, bin0.
        assertEquals(List.of(List.of(2, 3), List.of(4, 5), List.of(0, 1)),
                Packing.bestFitDecreasing(new int[] {5, 3, 8, 2, 6, 4}, 10));
    }

    @Test
    void bestFitNotFirstFit() {
        // capacity 10, lengths [9, 4, 7, 1, 4, 1]; decreasing: 9(i0) 7(i2) 4(i1) 4(i4) 1(i3) 1(i5)
        // 9 -> bin0 (room 1); 7 -> bin1 (room 3); 4 -> bin2 (room 6); 4 -> bin2 (room 2); 1 -> bin0 (room 0);
        // the last 1: rooms 0, 3, 2 -> best fit is bin2 (first fit would take bin1).
        assertEquals(List.of(List.of(0, 3), List.of(2), List.of(1, 4, 5)),
                Packing.bestFitDecreasing(new int[] {9, 4, 7, 1, 4, 1}, 10));
        assertEquals(List.of(List.of(0), List.of(1)), Packing.bestFitDecreasing(new int[] {10, 10}, 10));
        assertThrows(IllegalArgumentException.class, () -> Packing.bestFitDecreasing(new int[] {11}, 10));
    }

    private static SftExample ex(int[] ids, int[] labels) {
        return new SftExample(ids, labels, null);
    }

    @Test
    void packedRowsRestartPositionsAndMaskDocumentStarts() {
        int ig = (int) SftEncoder.IGNORE;
        SftExample a = ex(new int[] {1, 10, 11, 12}, new int[] {ig, ig, 11, 12}); // 2 loss tokens
        SftExample b = ex(new int[] {1, 20, 21}, new int[] {1, 20, 21}); // label at 0 set: must become -100
        SftExample c = ex(new int[] {1, 30, 31, 32, 33}, new int[] {ig, 30, 31, 32, 33}); // 4 loss tokens
        // capacity 8: decreasing c(5) a(4) b(3): c -> row0 (room 3); a -> row1 (room 4); b -> row0 (room 0)
        List<List<SftExample>> rows = Packing.pack(List.of(a, b, c), 8);
        assertEquals(List.of(List.of(c, b), List.of(a)), rows);
        SftBatch batch = Packing.batch(rows, 0);
        assertTrue(batch.packed());
        assertEquals(2, batch.rows());
        assertEquals(8, batch.length());
        assertArrayEquals(new long[] {1, 30, 31, 32, 33, 1, 20, 21, /**/ 1, 10, 11, 12, 0, 0, 0, 0}, batch.ids());
        assertArrayEquals(new long[] {ig, 30, 31, 32, 33, ig, 20, 21, /**/ ig, ig, 11, 12, ig, ig, ig, ig},
                batch.labels());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 0, 1, 2, /**/ 0, 1, 2, 3, 0, 1, 2, 3}, batch.positions());
        assertArrayEquals(new long[] {0, 0, 0, 0, 0, 1, 1, 1, /**/ 0, 0, 0, 0, 1, 1, 1, 1}, batch.segments());
        assertEquals(a.lossTokens() + b.lossTokens() + c.lossTokens(), batch.lossTokens());
        assertEquals(8, batch.lossTokens());
        assertEquals(12, batch.inputTokens());
        // Every label at a position-0 token is -100, so no target crosses a document boundary.
        for (int i = 0; i < batch.ids().length; i++) {
            if (batch.positions()[i] == 0) {
                assertEquals(SftEncoder.IGNORE, batch.labels()[i]);
            }
        }
    }
}
