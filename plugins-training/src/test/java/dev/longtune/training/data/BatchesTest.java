package dev.longtune.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.longtune.api.DataRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchesTest {

    private static final int I = SftEncoder.IGNORE;

    private static SftExample ex(int line, int[] ids, int[] labels) {
        return new SftExample(ids, labels, new DataRecord("d.jsonl", line, JsonNodeFactory.instance.objectNode()));
    }

    @Test
    void rightPadsToTheLongestWithPadIdAndIgnoredLabels() {
        SftBatch b = Batches.pad(List.of(
                ex(1, new int[] {1, 5, 6}, new int[] {I, 5, 6}),
                ex(2, new int[] {1, 7, 8, 9, 2}, new int[] {I, I, 8, 9, 2})), 2);
        assertEquals(2, b.rows());
        assertEquals(5, b.length());
        assertArrayEquals(new long[] {1, 5, 6, 2, 2, 1, 7, 8, 9, 2}, b.ids());
        assertArrayEquals(new long[] {I, 5, 6, I, I, I, I, 8, 9, 2}, b.labels());
        assertEquals(2 + 3, b.lossTokens());
        assertEquals(3 + 5, b.inputTokens());
        assertEquals("d.jsonl:2", b.sources().get(1).where());
    }

    @Test
    void shuffleIsSeededPerEpochAndKeepsEveryExample() {
        List<SftExample> all = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            all.add(ex(i + 1, new int[] {1, 10 + i}, new int[] {I, 10 + i}));
        }
        List<SftBatch> e0 = Batches.epoch(all, 4, 0, 42, 0);
        assertEquals(3, e0.size());
        assertEquals(Batches.count(10, 4), e0.size());
        assertEquals(2, e0.get(2).rows()); // last batch is partial, nothing dropped
        assertEquals(firstIds(e0), firstIds(Batches.epoch(all, 4, 0, 42, 0)));
        assertNotEquals(firstIds(e0), firstIds(Batches.epoch(all, 4, 0, 42, 1)));
        assertNotEquals(firstIds(e0), firstIds(Batches.epoch(all, 4, 0, 43, 0)));
        List<Long> seen = firstIds(e0);
        seen.sort(null);
        assertEquals(List.of(10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L), seen);
    }

    private static List<Long> firstIds(List<SftBatch> batches) {
        List<Long> out = new ArrayList<>();
        for (SftBatch b : batches) {
            for (int r = 0; r < b.rows(); r++) {
                out.add(b.ids()[r * b.length() + 1]);
            }
        }
        return out;
    }
}
