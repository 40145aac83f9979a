package dev.longtune.cli;

import picocli.CommandLine;

/** Entry point of {@code bin/longtune}. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        return LongtuneCommand.commandLine().execute(args);
    }
}
