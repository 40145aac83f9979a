package dev.longtune.api.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.longtune.api.config.DataConfig;
import org.junit.jupiter.api.Test;

class PromptTruncationTest {

    @Test
    void aPromptThatFitsIsReturnedAsItIs() {
        int[] ids = {1, 2, 3};
        assertSame(ids, PromptTruncation.middle(ids, 3));
        assertSame(ids, PromptTruncation.middle(ids, 10));
    }

    @Test
    void aLongPromptKeepsItsHeadAndTailAndLosesTheMiddle() {
        int[] ids = {1, 10, 11, 12, 13, 14, 15, 16, 17, 99};
        // 5 tokens: ceil(5/2) = 3 from the head (BOS and the instruction's start), 2 from the tail (response marker).
        assertArrayEquals(new int[] {1, 10, 11, 17, 99}, PromptTruncation.middle(ids, 5));
        assertArrayEquals(new int[] {1, 10, 17, 99}, PromptTruncation.middle(ids, 4));
        assertArrayEquals(new int[] {1}, PromptTruncation.middle(ids, 1));
        assertThrows(IllegalArgumentException.class, () -> PromptTruncation.middle(ids, 0));
    }

    @Test
    void maxPromptLengthMustLeaveRoomForTheCompletion() {
        assertThrows(IllegalArgumentException.class,
                () -> new DataConfig(null, null, null, null, 512, null, null, null, 512));
        assertThrows(IllegalArgumentException.class,
                () -> new DataConfig(null, null, null, null, 512, null, null, null, 0));
        new DataConfig(null, null, null, null, 512, null, null, null, 400);
    }
}
