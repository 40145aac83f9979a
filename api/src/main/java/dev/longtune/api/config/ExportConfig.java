package dev.longtune.api.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The {@code export:} section.
 *
 * @param format {@code hf} (Hugging Face folder) or {@code none}
 * @param directory folder inside the output folder
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExportConfig(String format, String directory) {

    public ExportConfig {
        format = format == null ? "hf" : format;
        directory = directory == null ? "model" : directory;
    }
}
