package dev.longtune.host.plugins;

import com.google.inject.BindingAnnotation;
import dev.longtune.api.PluginFamily;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Qualifies the name → factory map of one plugin family. */
@BindingAnnotation
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
public @interface Family {
    PluginFamily value();
}
