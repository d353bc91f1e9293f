package io.github.vertxchannels.faults;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.github.vertxchannels.grpc.v1.ReceiveRequest;
import io.github.vertxchannels.grpc.v1.ReceiveResponse;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResponse;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.impl.ChannelsLauncher;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server as a separate JVM stopped with SIGTERM: open calls are told, with UNAVAILABLE, that
 * the server is going away; none hangs, and none is told something that did not happen (that
 * the channel was closed).
 */
class ServerSigtermTest {

  private Process server;
  private int port;
  private ManagedChannel transport;
  private ChannelServiceGrpc.ChannelServiceBlockingStub stub;

  @BeforeEach
  void launch() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ChannelsLauncher.class.getName(),
      "--port", Integer.toString(port)).redirectErrorStream(true).start();
    BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> {
      try {
        String line;
        while ((line = r.readLine()) != null) {
          output.add(line);
          if (line.contains("gRPC server listening on")) {
            return true;
          }
        }
      } catch (Exception ignored) {
        // the process ended
      }
      return false;
    });
    assertTrue(ready.get(60, TimeUnit.SECONDS), () -> "the server starts; its output: " + String.join("\n", output));
    CompletableFuture.runAsync(() -> {
      try {
        while (r.readLine() != null) {
          // drain, so the child never blocks on a full pipe
        }
      } catch (Exception ignored) {
        // gone
      }
    });
    transport = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    stub = ChannelServiceGrpc.newBlockingStub(transport).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterEach
  void kill() {
    if (transport != null) {
      transport.shutdownNow();
    }
    server.destroyForcibly();
  }

  private String create(long maxSize) {
    return stub.create(CreateRequest.newBuilder().setKind(ChannelKind.CHANNEL_KIND_BYTES).setMaxSize(maxSize).build()).getInfo().getId();
  }

  private void sigterm() throws Exception {
    server.destroy(); // SIGTERM
    assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server stops");
    assertTrue(server.exitValue() == 0 || server.exitValue() == 143, "a clean stop, got " + server.exitValue());
  }

  @Test
  void a_raw_stream_holding_unacknowledged_messages_ends_with_UNAVAILABLE_on_sigterm() throws Exception {
    String id = create(0);
    for (int i = 0; i < 10; i++) {
      stub.send(SendRequest.newBuilder().setChannelId(id).setPayload(ByteString.copyFrom(new byte[] {(byte) i})).build());
    }
    RawStream s = new RawStream(transport).open(id, 3, 1 << 20);
    int got = 0;
    while (got < 3) {
      got += s.nextFrame().getDeliveries().getPayloadsCount();
    }
    sigterm();
    List<Object> rest = s.rest();
    Status end = (Status) rest.get(rest.size() - 1);
    assertEquals(Status.Code.UNAVAILABLE, end.getCode(), "the stream is told the server is going away: " + rest);
    // The channel was never closed and still holds 7 messages: a `closed` frame would make an
    // iterating client end normally, as if the channel had been drained (S-CLOSE-4).
    assertEquals(List.of(), rest.subList(0, rest.size() - 1).stream().map(ServerSigtermTest::describe).toList(),
      "nothing before the end: the channel was not closed (it still holds 7 messages)");
  }

  @Test
  void calls_waiting_on_sigterm_are_told_UNAVAILABLE_not_that_the_channel_closed() throws Exception {
    String empty = create(0);
    String full = create(4);
    stub.send(SendRequest.newBuilder().setChannelId(full).setPayload(ByteString.copyFrom(new byte[4])).build());
    ChannelServiceGrpc.ChannelServiceBlockingStub waiting = ChannelServiceGrpc.newBlockingStub(transport);
    CompletableFuture<Object> receive = CompletableFuture.supplyAsync(() -> outcome(() ->
      waiting.withDeadlineAfter(60, TimeUnit.SECONDS).receive(ReceiveRequest.newBuilder().setChannelId(empty).setTimeoutMs(-1).build())));
    CompletableFuture<Object> send = CompletableFuture.supplyAsync(() -> outcome(() ->
      waiting.withDeadlineAfter(60, TimeUnit.SECONDS).send(SendRequest.newBuilder().setChannelId(full)
        .setPayload(ByteString.copyFrom(new byte[2])).setWait(true).setTimeoutMs(-1).build())));
    RawStream stream = new RawStream(transport).open(empty, 10, 1 << 20);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (stub.info(io.github.vertxchannels.grpc.v1.InfoRequest.newBuilder().setChannelId(full).build()).getInfo().getWaitingSenders() < 1
      || stub.info(io.github.vertxchannels.grpc.v1.InfoRequest.newBuilder().setChannelId(empty).build()).getInfo().getWaitingReceivers() < 2) {
      assertTrue(System.nanoTime() < deadline, "the calls are waiting");
      Thread.sleep(20);
    }
    sigterm();
    List<String> wrong = new ArrayList<>();
    Object r = receive.get(60, TimeUnit.SECONDS);
    if (!(r instanceof Status s && s.getCode() == Status.Code.UNAVAILABLE)) {
      wrong.add("a waiting Receive got " + describe(r));
    }
    Object w = send.get(60, TimeUnit.SECONDS);
    if (!(w instanceof Status s && s.getCode() == Status.Code.UNAVAILABLE)) {
      wrong.add("a waiting Send got " + describe(w));
    }
    List<Object> rest = stream.rest();
    if (rest.size() != 1 || ((Status) rest.get(0)).getCode() != Status.Code.UNAVAILABLE) {
      wrong.add("a waiting stream got " + rest.stream().map(ServerSigtermTest::describe).toList());
    }
    assertTrue(wrong.isEmpty(), "on SIGTERM, expected UNAVAILABLE (the server is going away), but: " + wrong);
  }

  /**
   * Issue 15.8: calls in flight while the server stops (a client hammering sends and receives)
   * end OK or UNAVAILABLE, never NOT_FOUND (the channel still existed), CLOSED or INTERNAL.
   */
  @Test
  void calls_in_flight_during_sigterm_end_ok_or_UNAVAILABLE() throws Exception {
    String id = create(0);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    List<String> wrong = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger unavailable = new java.util.concurrent.atomic.AtomicInteger();
    List<CompletableFuture<Void>> hammers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      ManagedChannel own = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      ChannelServiceGrpc.ChannelServiceBlockingStub s = ChannelServiceGrpc.newBlockingStub(own);
      hammers.add(CompletableFuture.runAsync(() -> {
        try {
          while (!stop.get() && unavailable.get() < 40) {
            Object o = outcome(() -> s.withDeadlineAfter(30, TimeUnit.SECONDS).send(SendRequest.newBuilder()
              .setChannelId(id).setPayload(ByteString.copyFrom(new byte[16])).build()).getResult());
            Object p = outcome(() -> s.withDeadlineAfter(30, TimeUnit.SECONDS)
              .tryReceive(io.github.vertxchannels.grpc.v1.TryReceiveRequest.newBuilder().setChannelId(id).build()).getStatus());
            for (Object x : new Object[] {o, p}) {
              if (x instanceof Status st) {
                if (st.getCode() == Status.Code.UNAVAILABLE) {
                  unavailable.incrementAndGet();
                } else {
                  wrong.add(st.toString());
                }
              } else if (x == io.github.vertxchannels.grpc.v1.SendResult.SEND_RESULT_CLOSED
                  || x == io.github.vertxchannels.grpc.v1.ReceiveStatus.RECEIVE_STATUS_CLOSED) {
                wrong.add(x.toString());
              }
            }
          }
        } finally {
          own.shutdownNow();
        }
      }));
    }
    Thread.sleep(300); // the hammers are running
    server.destroy(); // SIGTERM
    assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server stops");
    stop.set(true);
    CompletableFuture.allOf(hammers.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    assertTrue(wrong.isEmpty(), "during shutdown, calls end OK or UNAVAILABLE, but: " + wrong.stream().distinct().toList());
  }

  private static Object outcome(java.util.function.Supplier<Object> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return Status.fromThrowable(e);
    }
  }

  private static String describe(Object o) {
    if (o instanceof ReceiveResponse r) {
      return "ReceiveResponse " + r.getStatus();
    }
    if (o instanceof SendResponse s) {
      return "SendResponse " + s.getResult() + (s.getResult() == SendResult.SEND_RESULT_CLOSED ? " (the channel was never closed)" : "");
    }
    if (o instanceof ServerFrame f) {
      return "frame " + f.getFrameCase();
    }
    return String.valueOf(o);
  }
}
