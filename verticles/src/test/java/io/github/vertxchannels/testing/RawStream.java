package io.github.vertxchannels.testing;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.ClientFrame;
import io.github.vertxchannels.grpc.v1.OpenStream;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A raw Stream call for tests of the wire protocol: frames out, and every frame in (and the final
 * status) collected into a queue, read with bounded waits.
 */
public final class RawStream {
  private final LinkedBlockingQueue<Object> frames = new LinkedBlockingQueue<>();
  private final StreamObserver<ClientFrame> out;
  private Status ended;

  public RawStream(ManagedChannel transport) {
    out = ChannelServiceGrpc.newStub(transport).stream(new StreamObserver<>() {
      @Override
      public void onNext(ServerFrame value) {
        frames.add(value);
      }

      @Override
      public void onError(Throwable t) {
        frames.add(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        frames.add(Status.OK);
      }
    });
  }

  public RawStream open(String channelId, int credit, long creditBytes) {
    send(ClientFrame.newBuilder().setOpen(OpenStream.newBuilder().setChannelId(channelId)
      .setInitialCreditMessages(credit).setInitialCreditBytes(creditBytes)).build());
    ServerFrame opened = nextFrame();
    assertEquals(ServerFrame.FrameCase.OPENED, opened.getFrameCase(), "first answer is opened");
    return this;
  }

  /** Opens a revocable consumer: a per-call receive prefetch (S-EXT-REVOKE). */
  public RawStream openRevocable(String channelId, int credit, long creditBytes) {
    send(ClientFrame.newBuilder().setOpen(OpenStream.newBuilder().setChannelId(channelId).setRevocable(true)
      .setInitialCreditMessages(credit).setInitialCreditBytes(creditBytes)).build());
    ServerFrame opened = nextFrame();
    assertEquals(ServerFrame.FrameCase.OPENED, opened.getFrameCase(), "first answer is opened");
    return this;
  }

  public synchronized void send(ClientFrame frame) {
    out.onNext(frame);
  }

  /** The next frame; fails the test when the call ended instead. */
  public ServerFrame nextFrame() {
    Object f = next(10_000);
    assertNotNull(f, "a frame within 10 s");
    if (f instanceof Status s) {
      ended = s;
      throw new AssertionError("the call ended: " + s);
    }
    return (ServerFrame) f;
  }

  /** The next frame of this case, skipping deliveries; fails when the call ended. */
  public ServerFrame nextFrame(ServerFrame.FrameCase wanted) {
    for (int i = 0; i < 10_000; i++) {
      ServerFrame f = nextFrame();
      if (f.getFrameCase() == wanted) {
        return f;
      }
      assertEquals(ServerFrame.FrameCase.DELIVERIES, f.getFrameCase(), "only deliveries before " + wanted);
    }
    throw new AssertionError("no " + wanted);
  }

  /** The final status of the call (frames before it are skipped). */
  public Status status() {
    if (ended != null) {
      return ended;
    }
    while (true) {
      Object f = next(15_000);
      assertNotNull(f, "the call ends within 15 s");
      if (f instanceof Status s) {
        ended = s;
        return s;
      }
    }
  }

  /** Payloads delivered until {@code count} arrived (bounded wait). */
  public List<ByteString> take(int count) {
    List<ByteString> got = new ArrayList<>();
    while (got.size() < count) {
      ServerFrame f = nextFrame();
      assertEquals(ServerFrame.FrameCase.DELIVERIES, f.getFrameCase(), "a deliveries frame: " + f);
      got.addAll(f.getDeliveries().getPayloadsList());
    }
    assertEquals(count, got.size(), "no more than asked");
    return got;
  }

  /** Nothing arrives within {@code ms}. */
  public void assertQuiet(long ms) {
    Object f = next(ms);
    assertTrue(f == null, "nothing more should arrive, got " + f);
  }

  public Object next(long timeoutMs) {
    try {
      return frames.poll(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Every frame until the end of the call, the final {@link Status} last (bounded waits). */
  public List<Object> rest() {
    List<Object> all = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      Object f = next(30_000);
      assertNotNull(f, "a frame or the end within 30 s: the call must not hang");
      all.add(f);
      if (f instanceof Status s) {
        ended = s;
        return all;
      }
    }
    throw new AssertionError("the call does not end");
  }

  /** Ends the client's side of the call (half-close); the server may still answer. */
  public void halfClose() {
    out.onCompleted();
  }

  public void cancel() {
    try {
      out.onError(Status.CANCELLED.withDescription("test gives up").asRuntimeException());
    } catch (RuntimeException ignored) {
      // already over
    }
  }
}
