package dev.longtune.api;

/**
 * Key/value cache for incremental decoding. Created by {@link LanguageModel#newCache}; owns native memory that is
 * released by {@link #close()}.
 */
public interface KvCache extends AutoCloseable {

    /** Number of positions already cached (the position of the next token). */
    int length();

    /** Maximum number of positions this cache can hold. */
    int capacity();

    @Override
    void close();
}
