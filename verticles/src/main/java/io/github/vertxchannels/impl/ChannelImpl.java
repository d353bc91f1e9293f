package io.github.vertxchannels.impl;

import io.github.vertxchannels.ByteChannel;
import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelStream;
import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.SendAllResult;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.TermChannel;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

import java.util.List;

/** A channel handle: an id; each operation is one request to the channel's owner. */
abstract class ChannelImpl implements io.github.vertxchannels.Channel {

  private final EventBusChannels channels;
  private final String id;

  ChannelImpl(EventBusChannels channels, String id) {
    this.channels = channels;
    this.id = id;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Future<SendResult> send(Buffer payload) {
    return channels.send(id, payload);
  }

  @Override
  public Future<SendResult> send(Buffer payload, long timeoutMs) {
    return channels.send(id, payload, timeoutMs);
  }

  @Override
  public Future<SendAllResult> sendAll(List<Buffer> payloads, long timeoutMs) {
    return channels.sendAll(id, payloads, timeoutMs);
  }

  @Override
  public Future<ReceiveResult> tryReceive() {
    return channels.tryReceive(id);
  }

  @Override
  public Future<ReceiveResult> receive(long timeoutMs) {
    return channels.receive(id, timeoutMs, EventBusChannels.newReceiveId());
  }

  @Override
  public Future<Void> close() {
    return channels.close(id);
  }

  @Override
  public Future<ChannelInfo> info() {
    return channels.info(id);
  }

  @Override
  public ChannelStream stream(int windowMessages) {
    if (windowMessages <= 0) {
      throw new IllegalArgumentException("windowMessages must be positive, got " + windowMessages);
    }
    return new ChannelStreamImpl(channels.vertx(), id, kind(), windowMessages);
  }

  @Override
  public String toString() {
    return kind().wireName() + " channel " + id;
  }

  /** A term channel handle. */
  static final class Term extends ChannelImpl implements TermChannel {
    Term(EventBusChannels channels, String id) {
      super(channels, id);
    }

    @Override
    public ChannelKind kind() {
      return ChannelKind.TERM;
    }
  }

  /** A byte channel handle. */
  static final class Bytes extends ChannelImpl implements ByteChannel {
    Bytes(EventBusChannels channels, String id) {
      super(channels, id);
    }

    @Override
    public ChannelKind kind() {
      return ChannelKind.BYTES;
    }
  }
}
