package dev.longtune.host.config;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.longtune.api.LongtuneException;

/** The {@code device:} value: {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}. */
public record DeviceSpec(String kind, int index) {

    public static DeviceSpec parse(String text, String where) {
        String t = text == null ? "auto" : text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("auto") || t.equals("cpu")) {
            return new DeviceSpec(t, 0);
        }
        if (t.equals("gpu")) {
            return new DeviceSpec("gpu", 0);
        }
        if (t.matches("gpu:\\d+")) {
            return new DeviceSpec("gpu", Integer.parseInt(t.substring(4)));
        }
        throw new LongtuneException(where + ": unknown device '" + text + "' (valid: auto, cpu, gpu, gpu:N)");
    }

    /** The DJL device, checking that a requested GPU exists. */
    public Device resolve(Engine engine) {
        int gpus = engine.getGpuCount();
        return switch (kind) {
            case "cpu" -> Device.cpu();
            case "auto" -> gpus > 0 ? Device.gpu(0) : Device.cpu();
            default -> {
                if (index >= gpus) {
                    throw new LongtuneException("device gpu:" + index + " requested but DJL sees " + gpus + " GPU(s). "
                            + "On a GPU machine run bin/longtune with LONGTUNE_GPU=1 (leaves the CPU natives jar off the "
                            + "class path) and PYTORCH_LIBRARY_PATH/PYTORCH_VERSION/PYTORCH_FLAVOR set; see README.");
                }
                yield Device.gpu(index);
            }
        };
    }
}
