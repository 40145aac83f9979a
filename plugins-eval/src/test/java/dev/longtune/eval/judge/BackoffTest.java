package dev.longtune.eval.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static HttpHeaders headers(String name, String value) {
        return HttpHeaders.of(Map.of(name, List.of(value)), (a, b) -> true);
    }

    @Test
    void growsExponentiallyWithJitterUpToTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
        for (int n = 0; n < 200; n++) {
            long d0 = b.delay(0, Optional.empty()).toMillis();
            long d2 = b.delay(2, Optional.empty()).toMillis();
            long d9 = b.delay(9, Optional.empty()).toMillis();
            assertTrue(d0 >= 50 && d0 <= 100, "retry 0: " + d0);
            assertTrue(d2 >= 200 && d2 <= 400, "retry 2: " + d2);
            assertTrue(d9 >= 500 && d9 <= 1000, "capped: " + d9);
        }
    }

    @Test
    void theServersRetryAfterWins() {
        Instant now = Instant.parse("2026-11-23T19:00:00Z");
        assertEquals(Optional.of(Duration.ofSeconds(7)), Backoff.retryAfter(headers("Retry-After", "7"), now));
        assertEquals(Optional.of(Duration.ofMillis(1500)), Backoff.retryAfter(headers("retry-after", "1.5"), now));
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                Backoff.retryAfter(headers("Retry-After", "Mon, 23 Nov 2026 19:00:30 GMT"), now));
        assertEquals(Optional.of(Duration.ofMillis(250)), Backoff.retryAfter(headers("retry-after-ms", "250"), now));
        assertEquals(Optional.empty(), Backoff.retryAfter(headers("Retry-After", "soon"), now));
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
        assertEquals(Duration.ofSeconds(7), b.delay(0, Optional.of(Duration.ofSeconds(7))));
        assertEquals(Duration.ZERO, b.delay(0, Optional.of(Duration.ofSeconds(-3))), "a date in the past");
        assertEquals(Backoff.MAX_RETRY_AFTER, b.delay(0, Optional.of(Duration.ofHours(2))));
    }
}
