package dev.longtune.api;

/** The options record of a factory that takes no options: any key in its YAML node is an error. */
public record NoOptions() {}
