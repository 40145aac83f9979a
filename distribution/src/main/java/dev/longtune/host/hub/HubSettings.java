package dev.longtune.host.hub;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the hub is, where its cache lives, which token to send and whether to go online — read from the same
 * environment variables huggingface_hub reads, so a cache filled by {@code huggingface-cli download} (or by
 * transformers) is found and reused, and one filled by Longtune is usable from Python.
 *
 * @param endpoint {@code HF_ENDPOINT}, default {@code https://huggingface.co} (mirrors set it too)
 * @param cacheDir {@code HF_HUB_CACHE}, else {@code HF_HOME/hub}, else {@code XDG_CACHE_HOME/huggingface/hub},
 *     else {@code ~/.cache/huggingface/hub}
 * @param token {@code HF_TOKEN}, else the file {@code HF_HOME/token} written by {@code huggingface-cli login}
 * @param offline {@code HF_HUB_OFFLINE=1}: never touch the network, use the cache only
 */
public record HubSettings(String endpoint, Path cacheDir, Optional<String> token, boolean offline) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    public HubSettings {
        endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    }

    public static HubSettings fromEnvironment() {
        return from(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static HubSettings from(Map<String, String> env, Path home) {
        Path hfHome = env.containsKey("HF_HOME") ? Path.of(env.get("HF_HOME"))
                : (env.containsKey("XDG_CACHE_HOME") ? Path.of(env.get("XDG_CACHE_HOME")) : home.resolve(".cache"))
                        .resolve("huggingface");
        Path cache = env.containsKey("HF_HUB_CACHE") ? Path.of(env.get("HF_HUB_CACHE")) : hfHome.resolve("hub");
        Optional<String> token = Optional.ofNullable(env.get("HF_TOKEN")).filter(t -> !t.isBlank());
        if (token.isEmpty()) {
            Path file = hfHome.resolve("token");
            try {
                token = Files.isRegularFile(file) ? Optional.of(Files.readString(file).strip()).filter(t -> !t.isEmpty())
                        : Optional.empty();
            } catch (java.io.IOException e) {
                token = Optional.empty();
            }
        }
        String offline = env.getOrDefault("HF_HUB_OFFLINE", "0").trim().toLowerCase(java.util.Locale.ROOT);
        return new HubSettings(env.getOrDefault("HF_ENDPOINT", DEFAULT_ENDPOINT), cache, token,
                offline.equals("1") || offline.equals("true") || offline.equals("yes") || offline.equals("on"));
    }
}
