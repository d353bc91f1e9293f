package io.github.vertxchannels;

import io.github.vertxchannels.impl.EventBusChannels;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The Java API of vertx-channels: creates channels and attaches to existing ones by id. It talks
 * to the {@link ChannelVerticle} over the event bus, so any verticle of the Vert.x instance (or of
 * a cluster) can use it; every method returns a {@link Future} and nothing blocks the caller.
 *
 * <p>Names mirror Erlang's {@code py_channel} / {@code py_byte_channel} modules: {@code new},
 * {@code send}, {@code try_receive}, {@code receive}, {@code close}, {@code info}; results are the
 * Erlang ones ({@link SendResult}, {@link ReceiveResult}) and failures are {@link ChannelException}s.
 *
 * <pre>{@code
 * Channels channels = Channels.create(vertx);
 * channels.newChannel(1024)
 *   .compose(ch -> ch.send(Term.tuple(Term.atom("ok"), Term.integer(42)))
 *     .compose(sent -> ch.receive(1000)))
 *   .onSuccess(r -> System.out.println(r.term())); // {ok,42}
 * }</pre>
 */
public interface Channels {

  /**
   * @param vertx the Vert.x instance where a {@link ChannelVerticle} is deployed (or a clustered one)
   * @return the API
   */
  static Channels create(Vertx vertx) {
    return new EventBusChannels(vertx);
  }

  /**
   * A fresh reply address for S-EXT-REPLY: a verticle consumes it and hands it to a client (as an
   * Erlang process hands out its pid); the client can then send terms or bytes to it with
   * SendToAddress. gRPC clients may only target addresses under
   * {@link ChannelAddresses#REPLY_PREFIX} (or prefixes the server allows explicitly).
   *
   * @return {@code vertx-channels.reply.<128 random bits>}, unguessable
   */
  static String replyAddress() {
    return ChannelAddresses.newReplyAddress();
  }

  /** Creates an unlimited term channel (S-NEW-1). */
  default Future<TermChannel> newChannel() {
    return newChannel(0);
  }

  /**
   * Creates a term channel.
   *
   * @param maxSize the backpressure limit in bytes, 0 = unlimited; negative fails with
   *                {@link InvalidArgumentException} (S-FIX-OPTS)
   */
  Future<TermChannel> newChannel(long maxSize);

  /** Creates an unlimited byte channel. */
  default Future<ByteChannel> newByteChannel() {
    return newByteChannel(0);
  }

  /**
   * Creates a byte channel.
   *
   * @param maxSize the backpressure limit in bytes, 0 = unlimited
   */
  Future<ByteChannel> newByteChannel(long maxSize);

  /**
   * Attaches to an existing term channel.
   *
   * @param id the channel id
   * @return the channel; fails with {@link UnknownChannelException} or {@link WrongKindException}
   */
  Future<TermChannel> channel(String id);

  /**
   * Attaches to an existing byte channel.
   *
   * @param id the channel id
   * @return the channel; fails with {@link UnknownChannelException} or {@link WrongKindException}
   */
  Future<ByteChannel> byteChannel(String id);

  /**
   * Attaches to an existing channel of either kind.
   *
   * @param id the channel id
   * @return a {@link TermChannel} or a {@link ByteChannel}; fails with {@link UnknownChannelException}
   */
  Future<Channel> attach(String id);
}
