package io.github.vertxchannels;

/**
 * A byte channel ({@code py_byte_channel}): every message is opaque bytes; an empty message is a
 * message (S-FIX-EMPTY).
 */
public interface ByteChannel extends Channel {
}
