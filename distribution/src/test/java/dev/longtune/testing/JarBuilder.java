package dev.longtune.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Compiles Java sources with the JDK's compiler and packs them with resources into a jar: real plugin jars for tests. */
public final class JarBuilder {

    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, String> resources = new LinkedHashMap<>();
    private final List<Path> sourceTrees = new ArrayList<>();
    private final List<Path> resourceTrees = new ArrayList<>();

    /** Adds a source file: {@code fqcn} like {@code com.example.Foo}. */
    public JarBuilder source(String fqcn, String code) {
        sources.put(fqcn, code);
        return this;
    }

    /** Adds every .java file under a folder (a Maven project's src/main/java). */
    public JarBuilder sourceTree(Path dir) {
        sourceTrees.add(dir);
        return this;
    }

    /** Adds every file under a folder as a jar resource (a Maven project's src/main/resources). */
    public JarBuilder resourceTree(Path dir) {
        resourceTrees.add(dir);
        return this;
    }

    public JarBuilder resource(String path, String content) {
        resources.put(path, content);
        return this;
    }

    /** Compiles against {@code classPath} (Java 17 bytecode) and writes the jar. */
    public Path build(Path jar, String classPath) throws IOException {
        Path work = Files.createTempDirectory("jarbuilder");
        Path src = work.resolve("src");
        Path classes = work.resolve("classes");
        Files.createDirectories(classes);
        List<String> files = new ArrayList<>();
        for (var e : sources.entrySet()) {
            Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            files.add(f.toString());
        }
        for (Path tree : sourceTrees) {
            try (Stream<Path> s = Files.walk(tree)) {
                s.filter(p -> p.toString().endsWith(".java")).forEach(p -> files.add(p.toString()));
            }
        }
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(), "-cp", classPath,
                "-proc:none"));
        args.addAll(files);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        int rc = javac.run(null, null, null, args.toArray(String[]::new));
        if (rc != 0) {
            throw new IllegalStateException("javac failed (" + rc + ") for " + files + diagnostics);
        }
        Files.createDirectories(jar.toAbsolutePath().getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            try (Stream<Path> s = Files.walk(classes)) {
                for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                    put(out, classes.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
            for (Path tree : resourceTrees) {
                try (Stream<Path> s = Files.walk(tree)) {
                    for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                        put(out, tree.relativize(p).toString(), Files.readAllBytes(p));
                    }
                }
            }
            for (var e : resources.entrySet()) {
                put(out, e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        return jar;
    }

    private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
        out.putNextEntry(new JarEntry(name.replace('\\', '/')));
        ((OutputStream) out).write(bytes);
        out.closeEntry();
    }
}
