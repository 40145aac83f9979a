package dev.longtune.host.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Hugging Face Hub stand-in on loopback, answering the three calls huggingface_hub (and Longtune) make, with the
 * hub's headers: {@code GET /api/models/{repo}/revision/{rev}}, {@code HEAD}/{@code GET /{repo}/resolve/{commit}/{file}}
 * ({@code ETag} for small files; for LFS files a 302 to a storage host with {@code X-Linked-Etag} = sha256 and
 * {@code X-Linked-Size}), and the storage host's {@code GET /cdn/{sha256}} with {@code Range}. The storage host is
 * the same server reached as {@code localhost} instead of {@code 127.0.0.1}, so "another host" is observable.
 * The remote hub is outside the product; this is the only way to test downloads on a machine without network.
 */
public final class FakeHub implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received. */
    public record Request(String method, String host, String path, String authorization, String range) {}

    private final HttpServer server;
    private final Map<String, Repo> repos = new LinkedHashMap<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    /** When > 0, the next storage GET sends only this many bytes and then drops the connection. */
    final AtomicInteger cutNextBlobAfter = new AtomicInteger();
    /** Answer every call with this status instead (0 = off). */
    volatile int failWith;
    /** Storage serves these bytes for the sha instead of the real ones (corruption in transit). */
    final Map<String, byte[]> corrupt = new LinkedHashMap<>();

    private record Repo(String commit, Map<String, byte[]> files, Set<String> lfs) {}

    public FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void addRepo(String repo, String commit, Map<String, byte[]> files, Set<String> lfs) {
        repos.put(repo, new Repo(commit, files, lfs));
    }

    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String host = ex.getRequestHeaders().getFirst("Host");
        requests.add(new Request(ex.getRequestMethod(), host == null ? "" : host.replaceAll(":\\d+$", ""), path,
                ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("Range")));
        try (ex) {
            if (failWith != 0) {
                send(ex, failWith, "{\"error\":\"nope\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (path.startsWith("/api/models/")) {
                apiInfo(ex, path.substring("/api/models/".length()));
            } else if (path.startsWith("/cdn/")) {
                blob(ex, path.substring("/cdn/".length()));
            } else if (path.contains("/resolve/")) {
                resolve(ex, path);
            } else {
                send(ex, 404, new byte[0]);
            }
        }
    }

    private void apiInfo(HttpExchange ex, String rest) throws IOException {
        int at = rest.indexOf("/revision/");
        Repo repo = at < 0 ? null : repos.get(rest.substring(0, at));
        String rev = at < 0 ? "" : java.net.URLDecoder.decode(rest.substring(at + "/revision/".length()),
                StandardCharsets.UTF_8);
        if (repo == null || !(rev.equals("main") || rev.equals(repo.commit))) {
            send(ex, 404, "{\"error\":\"Repository not found\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        ObjectNode body = JSON.createObjectNode().put("id", rest.substring(0, at)).put("sha", repo.commit);
        ArrayNode siblings = body.putArray("siblings");
        repo.files.keySet().forEach(f -> siblings.addObject().put("rfilename", f));
        ex.getResponseHeaders().add("Content-Type", "application/json");
        send(ex, 200, JSON.writeValueAsBytes(body));
    }

    private void resolve(HttpExchange ex, String path) throws IOException {
        int r = path.indexOf("/resolve/");
        Repo repo = repos.get(path.substring(1, r));
        String[] commitAndFile = path.substring(r + "/resolve/".length()).split("/", 2);
        byte[] data = repo == null || !repo.commit.equals(commitAndFile[0]) ? null : repo.files.get(commitAndFile[1]);
        if (data == null) {
            send(ex, 404, new byte[0]);
            return;
        }
        if (repo.lfs.contains(commitAndFile[1])) {
            String sha = sha256(data);
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
            ex.getResponseHeaders().add("X-Linked-Size", String.valueOf(data.length));
            ex.getResponseHeaders().add("Location", "http://localhost:" + server.getAddress().getPort() + "/cdn/" + sha);
            ex.sendResponseHeaders(302, -1);
            return;
        }
        // Git blob id in the real hub; any stable digest will do for a cache key.
        ex.getResponseHeaders().add("ETag", "W/\"" + sha256(data).substring(0, 40) + "\"");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(200, -1);
        } else {
            send(ex, 200, data);
        }
    }

    private void blob(HttpExchange ex, String sha) throws IOException {
        byte[] data = null;
        for (Repo repo : repos.values()) {
            for (String f : repo.lfs) {
                if (sha256(repo.files.get(f)).equals(sha)) {
                    data = repo.files.get(f);
                }
            }
        }
        if (data == null) {
            send(ex, 404, new byte[0]);
            return;
        }
        data = corrupt.getOrDefault(sha, data);
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
        int cut = cutNextBlobAfter.getAndSet(0);
        if (from > 0) {
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
        }
        ex.sendResponseHeaders(from > 0 ? 206 : 200, data.length - from);
        OutputStream out = ex.getResponseBody();
        if (cut > 0) {
            out.write(data, from, cut);
            out.flush();
            // Closing the exchange short of Content-Length makes the JDK server drop the connection mid-body.
            return;
        }
        out.write(data, from, data.length - from);
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
