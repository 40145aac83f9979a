package dev.longtune.host.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The three Hub calls a download needs, as huggingface_hub makes them: the revision's commit and file list
 * ({@code GET /api/models/{repo}/revision/{rev}}), a file's metadata ({@code HEAD /{repo}/resolve/{commit}/{file}}
 * without following redirects: {@code X-Linked-Etag} is the sha256 of an LFS file, {@code ETag} otherwise), and its
 * bytes ({@code GET}, resumable with {@code Range}). Redirects are followed by hand so the token goes only to the hub's
 * own host, never to the storage host an LFS file is redirected to (signed URLs there reject extra credentials).
 */
final class HubClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;

    private final HubSettings settings;
    private final HttpClient http;
    private final URI endpoint;

    HubClient(HubSettings settings) {
        this.settings = settings;
        this.endpoint = URI.create(settings.endpoint() + "/");
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(20)).build();
    }

    /** A revision resolved: its commit and every file in it. */
    record RepoInfo(String commit, List<String> files) {}

    /** What HEAD tells about a file: its cache key and size (-1 when not given). */
    record FileMeta(String etag, long size) {

        /** LFS files are keyed by their sha256, which the download is checked against. */
        boolean isSha256() {
            return etag.matches("[0-9a-f]{64}");
        }
    }

    RepoInfo info(HubModelId id) throws IOException {
        String rev = URLEncoder.encode(id.revision(), StandardCharsets.UTF_8);
        HttpResponse<byte[]> r = send(request(endpoint.resolve("api/models/" + id.repo() + "/revision/" + rev))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray(), id, "", true);
        JsonNode body = JSON.readTree(r.body());
        if (!body.hasNonNull("sha")) {
            throw new LongtuneException(settings.endpoint() + " answered for " + id + " without a commit ('sha'): is "
                    + "HF_ENDPOINT a Hugging Face Hub?");
        }
        List<String> files = new ArrayList<>();
        for (JsonNode s : body.path("siblings")) {
            files.add(s.path("rfilename").asText());
        }
        return new RepoInfo(body.get("sha").asText(), files);
    }

    FileMeta head(HubModelId id, String commit, String file) throws IOException {
        HttpResponse<Void> r = send(request(fileUri(id, commit, file)).method("HEAD", HttpRequest.BodyPublishers
                .noBody()).build(), HttpResponse.BodyHandlers.discarding(), id, file, false);
        String etag = r.headers().firstValue("X-Linked-Etag").or(() -> r.headers().firstValue("ETag"))
                .map(HubClient::normaliseEtag).orElseThrow(() -> new LongtuneException(
                        settings.endpoint() + " gave no ETag for " + id + "/" + file + ": cannot cache it safely"));
        long size = r.headers().firstValue("X-Linked-Size").or(() -> r.headers().firstValue("Content-Length"))
                .map(Long::parseLong).orElse(-1L);
        return new FileMeta(etag, size);
    }

    /**
     * Appends the file's bytes to {@code incomplete}, starting where an earlier, interrupted download stopped;
     * {@code progress} gets the byte count so far.
     */
    void download(HubModelId id, String commit, String file, Path incomplete, LongConsumer progress)
            throws IOException {
        long have = Files.isRegularFile(incomplete) ? Files.size(incomplete) : 0;
        HttpRequest.Builder b = request(fileUri(id, commit, file)).GET();
        if (have > 0) {
            b.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream(), id, file, true);
        boolean resumed = r.statusCode() == 206;
        try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(incomplete,
                StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            long done = resumed ? have : 0;
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                done += n;
                progress.accept(done);
            }
        }
    }

    private URI fileUri(HubModelId id, String commit, String file) {
        return endpoint.resolve(id.repo() + "/resolve/" + commit + "/" + file);
    }

    private HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).header("User-Agent", "longtune");
    }

    /**
     * Sends, following redirects by hand, and turns hub error statuses into messages a user can act on. With
     * {@code followToOtherHosts} false (metadata), a redirect to another host is the answer itself: the hub's 302 for
     * an LFS file carries the {@code X-Linked-Etag} that the storage host's response would not (huggingface_hub's
     * HEAD follows only relative redirects, e.g. of a renamed repo, for the same reason).
     */
    private <T> HttpResponse<T> send(HttpRequest first, HttpResponse.BodyHandler<T> handler, HubModelId id,
            String file, boolean followToOtherHosts) throws IOException {
        HttpRequest req = withToken(first);
        for (int hop = 0; ; hop++) {
            HttpResponse<T> r;
            try {
                r = http.send(req, handler);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while downloading " + id, e);
            }
            int s = r.statusCode();
            if (s >= 300 && s < 400 && r.headers().firstValue("Location").isPresent()) {
                URI next = req.uri().resolve(r.headers().firstValue("Location").get());
                if (!followToOtherHosts && !sameOrigin(next, req.uri())) {
                    return r;
                }
                if (hop == MAX_REDIRECTS) {
                    throw new LongtuneException("too many redirects fetching " + id + " " + file);
                }
                close(r);
                HttpRequest.Builder b = HttpRequest.newBuilder(next).timeout(Duration.ofMinutes(5))
                        .header("User-Agent", "longtune").method(req.method(), HttpRequest.BodyPublishers.noBody());
                req.headers().firstValue("Range").ifPresent(v -> b.header("Range", v));
                HttpRequest built = b.build();
                req = sameOrigin(next, endpoint) ? withToken(built) : built;
                continue;
            }
            if (s >= 400) {
                close(r);
                throw new LongtuneException(explain(s, id, file));
            }
            return r;
        }
    }

    private String explain(int status, HubModelId id, String file) {
        String what = file.isEmpty() ? id.toString() : id + " file " + file;
        return switch (status) {
            case 401, 403 -> what + ": the hub refused access (HTTP " + status + "). Gated or private model: accept its"
                    + " licence on " + settings.endpoint() + "/" + id.repo() + " and give a token with read access "
                    + "(HF_TOKEN, or `huggingface-cli login`)" + (settings.token().isPresent()
                            ? "; the token sent was not accepted" : "; no token was sent");
            case 404 -> what + ": not found on " + settings.endpoint() + " (HTTP 404) — check the repo id and the "
                    + "revision '" + id.revision() + "'";
            default -> what + ": HTTP " + status + " from " + settings.endpoint();
        };
    }

    private HttpRequest withToken(HttpRequest r) {
        Optional<String> token = settings.token();
        if (token.isEmpty()) {
            return r;
        }
        return HttpRequest.newBuilder(r, (name, value) -> true).header("Authorization", "Bearer " + token.get())
                .build();
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort();
    }

    private static void close(HttpResponse<?> r) {
        if (r.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing to do: the connection is dropped either way
            }
        }
    }

    /** {@code W/"abc"} → {@code abc}, as huggingface_hub's _normalize_etag. */
    static String normaliseEtag(String raw) {
        String e = raw.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        return e.replace("\"", "");
    }
}
