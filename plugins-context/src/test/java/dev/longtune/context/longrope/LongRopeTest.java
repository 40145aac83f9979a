package dev.longtune.context.longrope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LongRopeTest {

    private static final List<Double> SHORT = List.of(1.0, 1.0, 1.5, 2.0);
    private static final List<Double> LONG = List.of(1.0, 2.0, 4.0, 8.0);

    /**
     * d = 8, base 1e4 (default inv [1, 0.1, 0.01, 0.001]), L0 = 2048: inv = default / ext, with the short factors
     * up to 2048 tokens and the long ones past it, switched per call (not sticky).
     */
    @Test
    void switchesBetweenShortAndLongFactorsAtL0() {
        RopeScaling s = new LongRope(new LongRopeOptions(SHORT, LONG, 4.0, null, null))
                .ropeScaling(new RopeParameters(8, 1e4, 2048));
        float[] shortInv = {1f, 0.1f, 0.01f / 1.5f, 0.0005f};
        float[] longInv = {1f, 0.05f, 0.0025f, 0.000125f};
        assertArrayEquals(shortInv, s.inverseFrequencies(2048), 1e-9f);
        assertArrayEquals(longInv, s.inverseFrequencies(2049), 1e-10f);
        assertArrayEquals(shortInv, s.inverseFrequencies(100), 1e-9f, "not sticky, unlike dynamic NTK");
        assertTrue(s.dependsOnSequenceLength());
    }

    /** Numerics spec B.4: sqrt(1 + ln(factor)/ln(L0)); factor 4, L0 4096 gives 1.0801234, factor 32 gives 1.1902381. */
    @Test
    void matchesTheSpecAttentionFactors() {
        RopeParameters rope = new RopeParameters(8, 1e4, 4096);
        assertEquals(1.0801234, new LongRope(new LongRopeOptions(SHORT, LONG, 4.0, null, null))
                .ropeScaling(rope).attentionFactor(), 1e-7);
        assertEquals(1.1902381, new LongRope(new LongRopeOptions(SHORT, LONG, 32.0, null, null))
                .ropeScaling(rope).attentionFactor(), 1e-7);
        assertEquals(1.0, new LongRope(new LongRopeOptions(SHORT, LONG, 1.0, null, null))
                .ropeScaling(rope).attentionFactor(), 0, "factor <= 1");
        assertEquals(1.5, new LongRope(new LongRopeOptions(SHORT, LONG, 4.0, 1.5, null))
                .ropeScaling(rope).attentionFactor(), 0, "explicit attention_factor");
    }

    /** Phi-3 style: no factor, the checkpoint declares 131072 positions over L0 = 4096, so factor = 32. */
    @Test
    void derivesTheFactorFromTheDeclaredLength() {
        LongRope phi3 = new LongRope(new LongRopeOptions(SHORT, LONG, null, null, 4096));
        RopeParameters rope = new RopeParameters(8, 1e4, 131072);
        assertEquals(32.0, phi3.factor(rope));
        assertEquals(1.1902381, phi3.ropeScaling(rope).attentionFactor(), 1e-7);
        assertEquals(131072, phi3.extendedMaxPositions(131072));
    }

    /**
     * d = 128, base 1e4, L0 4096, factor 16, written out: short_i = 1 + i/64, long_i = 1 + i/4,
     * inv_i = 1/(ext_i · 1e4^(2i/128)); attention factor sqrt(1 + ln 16 / ln 4096).
     */
    @Test
    void matchesTheFormulaForHeadDim128() {
        List<Double> shortF = new ArrayList<>();
        List<Double> longF = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            shortF.add(1 + i / 64.0);
            longF.add(1 + i / 4.0);
        }
        RopeScaling s = new LongRope(new LongRopeOptions(shortF, longF, 16.0, null, null))
                .ropeScaling(new RopeParameters(128, 1e4, 4096));
        float[] atShort = s.inverseFrequencies(4096);
        float[] atLong = s.inverseFrequencies(65536);
        for (int i = 0; i < 64; i++) {
            double pos = Math.pow(1e4, 2.0 * i / 128);
            assertEquals(1 / (shortF.get(i) * pos), atShort[i], 1e-6 * atShort[i], "short pair " + i);
            assertEquals(1 / (longF.get(i) * pos), atLong[i], 1e-6 * atLong[i], "long pair " + i);
        }
        assertEquals(Math.sqrt(1 + Math.log(16) / Math.log(4096)), s.attentionFactor(), 1e-7);
    }

    @Test
    void refusesFactorListsOfTheWrongLength() {
        LongRope ext = new LongRope(new LongRopeOptions(SHORT, LONG, 4.0, null, null));
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> ext.ropeScaling(new RopeParameters(16, 1e4, 2048)));
        assertEquals("longrope 'short_factor' has 4 entries but the model's rotary dimension 16 has 8 pairs",
                e.getMessage());
    }

    @Test
    void exportsTheResolvedFactorAndL0AndReloadsIdentically() {
        LongRope ext = new LongRope(new LongRopeOptions(SHORT, LONG, 4.0, null, null));
        RopeParameters rope = new RopeParameters(8, 1e4, 2048);
        Map<String, Object> hf = ext.hfRopeScaling(rope);
        assertEquals(Map.of("rope_type", "longrope", "type", "longrope", "short_factor", SHORT, "long_factor", LONG,
                "factor", 4.0, "original_max_position_embeddings", 2048), hf);
        int declared = ext.extendedMaxPositions(2048);
        assertEquals(8192, declared);
        @SuppressWarnings("unchecked")
        LongRope reloaded = new LongRope(new LongRopeOptions((List<Double>) hf.get("short_factor"),
                (List<Double>) hf.get("long_factor"), (Double) hf.get("factor"), null,
                (Integer) hf.get("original_max_position_embeddings")));
        RopeParameters exported = new RopeParameters(8, 1e4, declared);
        for (int len : new int[] {2048, 2049, 8192}) {
            assertArrayEquals(ext.ropeScaling(rope).inverseFrequencies(len),
                    reloaded.ropeScaling(exported).inverseFrequencies(len), 0f, "length " + len);
        }
        assertEquals(ext.ropeScaling(rope).attentionFactor(), reloaded.ropeScaling(exported).attentionFactor());
    }
}
