/**
 * The Erlang External Term Format (ETF) for term channels, without JInterface: {@link
 * io.github.vertxchannels.etf.Etf} validates payloads (contract rule S-FIX-DECODE), decodes them
 * to {@link io.github.vertxchannels.etf.Term} values and encodes values back, byte-compatible with
 * {@code term_to_binary(T, [{minor_version, 2}])} of OTP 25 to 28.
 */
package io.github.vertxchannels.etf;
