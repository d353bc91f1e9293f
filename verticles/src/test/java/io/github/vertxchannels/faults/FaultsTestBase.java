package io.github.vertxchannels.faults;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.ChannelInfo;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.Credit;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.Send;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.testing.GrpcServerTestBase;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real server and real grpc-java clients ({@link GrpcServerTestBase}), and the helpers the fault
 * tests share: frame builders, and a check that a channel still holds exactly what it held.
 */
abstract class FaultsTestBase extends GrpcServerTestBase {

  static final long MANY = 1L << 40;

  protected ChannelInfo info(String id) {
    return stub.info(InfoRequest.newBuilder().setChannelId(id).build()).getInfo();
  }

  protected SendResult send(String id, byte[] payload) {
    return stub.withDeadlineAfter(20, TimeUnit.SECONDS)
      .send(SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(payload)).build()).getResult();
  }

  /**
   * Waits (bounded) until the channel holds exactly {@code messages} messages of {@code size}
   * bytes: after a misbehaving stream ended, what was pushed to it returns to the channel.
   */
  protected void awaitHolds(String id, long size, long messages, String why) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    ChannelInfo last = info(id);
    while (last.getSize() != size || last.getMessages() != messages) {
      if (System.nanoTime() > deadline) {
        fail(why + ": the channel should hold " + messages + " messages / " + size + " bytes, it holds "
          + last.getMessages() + " / " + last.getSize());
      }
      sleep(20);
      last = info(id);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static ClientFrame credit(long messages, long bytes) {
    return ClientFrame.newBuilder().setCredit(Credit.newBuilder().setMessages((int) messages).setBytes(bytes)).build();
  }

  static ClientFrame sendFrame(long firstSeq, List<byte[]> payloads) {
    Send.Builder s = Send.newBuilder().setFirstSeq(firstSeq);
    payloads.forEach(p -> s.addPayloads(ByteString.copyFrom(p)));
    return ClientFrame.newBuilder().setSend(s).build();
  }

  static ClientFrame openFrame(String channelId, int credit, long creditBytes) {
    return ClientFrame.newBuilder().setOpen(OpenStream.newBuilder().setChannelId(channelId)
      .setInitialCreditMessages(credit).setInitialCreditBytes(creditBytes)).build();
  }
}
