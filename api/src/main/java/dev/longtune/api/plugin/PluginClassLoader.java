package dev.longtune.api.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one {@code plugins/<name>/} folder.
 *
 * <p>Its parent is the platform loader, so a plugin sees only the JDK, its own jars, and a short whitelist of host
 * packages that must be shared: the Longtune SPI (so {@code LongtunePlugin} is one type for host and plugin), DJL
 * (a JNI library cannot be loaded by two sibling loaders, DJL PR #3045), Jackson (options records are bound by the
 * host's mapper) and SLF4J (one logging configuration). Everything else a plugin needs it must bring in its folder;
 * host internals (Guice wiring, the runner, the CLI) are invisible to it, as in Trino.
 */
public final class PluginClassLoader extends URLClassLoader {

    /** Package prefixes loaded from the host. */
    public static final List<String> SHARED_PACKAGES = List.of(
            "dev.longtune.api.", "ai.djl.", "com.fasterxml.jackson.", "org.slf4j.");

    private final ClassLoader host;

    public PluginClassLoader(String name, URL[] jars, ClassLoader host) {
        super(name, jars, ClassLoader.getPlatformClassLoader());
        this.host = host;
    }

    static boolean isShared(String className) {
        for (String p : SHARED_PACKAGES) {
            if (className.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return host.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    /**
     * Service files are read from the folder's own jars only; otherwise every plugin folder would also "provide" the
     * host's built-in plugins.
     */
    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (name.startsWith("META-INF/services/")) {
            return findResources(name);
        }
        return super.getResources(name);
    }

    @Override
    public URL getResource(String name) {
        if (name.startsWith("META-INF/services/")) {
            return findResource(name);
        }
        URL url = super.getResource(name);
        if (url == null && isShared(name.replace('/', '.'))) {
            url = host.getResource(name);
        }
        return url;
    }
}
