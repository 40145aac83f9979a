package dev.longtune.host.plugins;

import dev.longtune.api.PluginFamily;
import java.lang.annotation.Annotation;

/** Guice binding annotation that keeps the four per-family maps apart ({@code @Family(CONTEXT)}). */
final class FamilyQualifier implements Family {

    private final PluginFamily value;

    FamilyQualifier(PluginFamily value) {
        this.value = value;
    }

    @Override
    public PluginFamily value() {
        return value;
    }

    @Override
    public Class<? extends Annotation> annotationType() {
        return Family.class;
    }

    // equals/hashCode follow java.lang.annotation.Annotation's contract so Guice matches @Family(X) with this.
    @Override
    public boolean equals(Object o) {
        return o instanceof Family f && f.value() == value;
    }

    @Override
    public int hashCode() {
        return (127 * "value".hashCode()) ^ value.hashCode();
    }

    @Override
    public String toString() {
        return "@" + Family.class.getName() + "(" + value + ")";
    }
}
