package io.github.vertxchannels.conformance.engine;

/**
 * A message to send, resolved from a catalogue message spec for one channel kind.
 *
 * @param bytes the payload: raw bytes, or ETF produced by erl for a term channel
 * @param canon for a term: the canonical form erl printed (surfaces build values from it); null
 *     for raw bytes that are not one term (only the raw-payload APIs can send those)
 */
public record Payload(byte[] bytes, String canon) {
}
