package dev.longtune.api.plugin;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.LongtunePlugin;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Finds plugins: with {@link ServiceLoader} on the host class path (the built-in plugin jars in {@code lib/}), and
 * in each {@code plugins/<name>/} folder, each folder with its own {@link PluginClassLoader}.
 *
 * <p>Fails loudly, naming the culprit: a plugin folder with no jar, a folder whose jars provide no
 * {@code LongtunePlugin}, a provider class that cannot be loaded or instantiated.
 */
public final class PluginDiscovery {

    private PluginDiscovery() {}

    /** Plugins on the host class path and in every sub-folder of {@code pluginsDir} (which may be null or absent). */
    public static List<DiscoveredPlugin> discover(ClassLoader hostLoader, Path pluginsDir) {
        List<DiscoveredPlugin> found = new ArrayList<>(fromLoader(hostLoader, null));
        if (pluginsDir != null && Files.isDirectory(pluginsDir)) {
            for (Path folder : subFolders(pluginsDir)) {
                found.addAll(fromFolder(folder, hostLoader));
            }
        }
        return found;
    }

    /** The plugins in one {@code plugins/<name>/} folder. */
    public static List<DiscoveredPlugin> fromFolder(Path folder, ClassLoader hostLoader) {
        List<Path> jars = jarsIn(folder);
        if (jars.isEmpty()) {
            throw new LongtuneException("plugin folder " + folder + " holds no .jar file: put the plugin's jar (and "
                    + "the jars it depends on, except Longtune's API, DJL, Jackson and SLF4J) in it, or remove the "
                    + "folder");
        }
        URL[] urls = jars.stream().map(PluginDiscovery::toUrl).toArray(URL[]::new);
        PluginClassLoader loader = new PluginClassLoader("plugins/" + folder.getFileName(), urls, hostLoader);
        List<DiscoveredPlugin> found = fromLoader(loader, folder);
        if (found.isEmpty()) {
            throw new LongtuneException("plugin folder " + folder + " provides no Longtune plugin: none of its jars "
                    + jars.stream().map(p -> p.getFileName().toString()).toList() + " lists a provider in "
                    + "META-INF/services/" + LongtunePlugin.class.getName());
        }
        return found;
    }

    private static List<DiscoveredPlugin> fromLoader(ClassLoader loader, Path folder) {
        List<DiscoveredPlugin> found = new ArrayList<>();
        ServiceLoader<LongtunePlugin> services = ServiceLoader.load(LongtunePlugin.class, loader);
        var it = services.stream().iterator();
        while (true) {
            ServiceLoader.Provider<LongtunePlugin> provider;
            try {
                if (!it.hasNext()) {
                    break;
                }
                provider = it.next();
            } catch (ServiceConfigurationError e) {
                throw new LongtuneException("cannot load a Longtune plugin provider" + where(folder) + ": "
                        + rootMessage(e) + jarsHint(loader), e);
            }
            Path origin = originOf(provider.type());
            try {
                found.add(new DiscoveredPlugin(provider.get(), origin, folder));
            } catch (ServiceConfigurationError | LinkageError e) {
                throw new LongtuneException("plugin provider " + provider.type().getName() + " in " + origin
                        + " failed to start: " + rootMessage(e), e);
            }
        }
        return found;
    }

    private static String where(Path folder) {
        return folder == null ? " on the class path" : " in plugin folder " + folder;
    }

    private static String jarsHint(ClassLoader loader) {
        if (loader instanceof URLClassLoader u) {
            List<String> jars = new ArrayList<>();
            for (URL url : u.getURLs()) {
                jars.add(url.getPath());
            }
            return " (jars: " + jars + ")";
        }
        return "";
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
        Throwable c = e.getCause();
        while (c != null) {
            sb.append(" — caused by ").append(c);
            c = c.getCause();
        }
        return sb.toString();
    }

    /** The jar or folder a class was loaded from. */
    public static Path originOf(Class<?> type) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return Path.of("<unknown>");
        }
        try {
            return Path.of(cs.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Path.of(cs.getLocation().getPath());
        }
    }

    private static List<Path> subFolders(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new LongtuneException("cannot list plugin folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> jarsIn(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new LongtuneException("cannot list plugin folder " + folder + ": " + e.getMessage(), e);
        }
    }

    private static URL toUrl(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new LongtuneException("bad plugin jar path " + p, e);
        }
    }
}
