package dev.longtune.eval.judge;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before retry {@code n}: {@code base · 2^n}, capped, times a random factor in [0.5, 1) so that
 * many clients (or many of our own threads) rejected together do not come back together. A server's
 * {@code Retry-After} (seconds or an HTTP date), or the {@code retry-after-ms} some OpenAI-compatible servers send,
 * takes precedence: it knows when it will have room.
 */
final class Backoff {

    /** The longest we wait on a server's say-so; beyond it the server is effectively down for this evaluation. */
    static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(10);

    private final Duration base;
    private final Duration cap;

    Backoff(Duration base, Duration cap) {
        this.base = base;
        this.cap = cap;
    }

    /** One second doubling up to a minute: 1, 2, 4, 8 s … before jitter. */
    static Backoff standard() {
        return new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));
    }

    /** The wait before retry {@code retry} (0 for the first retry). */
    Duration delay(int retry, Optional<Duration> retryAfter) {
        if (retryAfter.isPresent()) {
            Duration d = retryAfter.get();
            return d.isNegative() ? Duration.ZERO : (d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d);
        }
        long exp = base.toMillis() << Math.min(retry, 20);
        long capped = Math.min(exp, cap.toMillis());
        return Duration.ofMillis((long) (capped * (0.5 + 0.5 * ThreadLocalRandom.current().nextDouble())));
    }

    /** The server's requested wait, if it sent one we can read. */
    static Optional<Duration> retryAfter(HttpHeaders headers, Instant now) {
        Optional<String> ms = headers.firstValue("retry-after-ms");
        if (ms.isPresent()) {
            try {
                return Optional.of(Duration.ofMillis((long) Double.parseDouble(ms.get().strip())));
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        Optional<String> value = headers.firstValue("retry-after");
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String v = value.get().strip();
        try {
            return Optional.of(Duration.ofMillis((long) (Double.parseDouble(v) * 1000)));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Optional.of(Duration.between(now, at));
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }
}
