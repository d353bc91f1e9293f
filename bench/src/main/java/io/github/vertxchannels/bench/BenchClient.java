package io.github.vertxchannels.bench;

import io.github.vertxchannels.bench.v1.BenchServiceGrpc;
import io.github.vertxchannels.bench.v1.CeilingChunk;
import io.github.vertxchannels.bench.v1.CeilingRequest;
import io.github.vertxchannels.bench.v1.LatencyRequest;
import io.github.vertxchannels.bench.v1.LatencyResponse;
import io.github.vertxchannels.bench.v1.PayloadKind;
import io.github.vertxchannels.bench.v1.ProduceRequest;
import io.github.vertxchannels.bench.v1.ProduceResponse;
import io.github.vertxchannels.bench.v1.StatsRequest;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.client.ChannelGrpcClient;
import io.github.vertxchannels.client.RemoteChannel;
import io.github.vertxchannels.client.RemoteStream;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The Java gRPC client of the benchmark ({@link ChannelGrpcClient} / {@link RemoteStream}), run
 * as its own process like the Python clients. Reads a JSON array of cells on standard input and
 * prints one JSON line per cell (the same cell format as bench/pyclient.py):
 *
 * <pre>
 * {"op": "throughput", "payload": "bytes|term_binary|term_small", "chunk": 1024, "count": 65536,
 *  "reps": 3, "warmup": 1, "endpoint": "batched|unbatched", "max_size": 16777216}
 * {"op": "drain", ..., "api": "stream|receive"}   (like throughput, but the channel is filled first:
 *   the consuming side alone; with a RemoteStream, or one blocking receive call per message)
 * {"op": "produce", "api": "send", "chunk": 1024, "count": 10000, "reps": 3, "warmup": 1}
 *   (the producing side alone: this client fills a new unlimited channel nobody consumes with one
 *   {@code RemoteChannel.send} call per message, pipelined over the channel's producer stream,
 *   then {@code flush()}: timed until the server confirmed the last one)
 * {"op": "ceiling", "chunk": 1024, "count": 65536, "reps": 3, "warmup": 1}
 * {"op": "latency", "samples": 1000, "warmup": 100, "interval_ms": 2, "chunk": 64}
 * </pre>
 *
 * Usage: {@code java -cp vertx-channels-bench.jar io.github.vertxchannels.bench.BenchClient
 * CHANNELS_TARGET UNBATCHED_TARGET BENCH_TARGET [WINDOW_MESSAGES WINDOW_BYTES]}.
 */
public final class BenchClient {

  private final String unbatchedTarget;
  private final String channelsTarget;
  private final ManagedChannel benchTransport;
  private final BenchServiceGrpc.BenchServiceBlockingStub bench;
  private final BenchServiceGrpc.BenchServiceFutureStub benchAsync;
  private final int windowMessages;
  private final long windowBytes;

  private BenchClient(String channelsTarget, String unbatchedTarget, String benchTarget, int windowMessages, long windowBytes) {
    this.channelsTarget = channelsTarget;
    this.unbatchedTarget = unbatchedTarget;
    this.benchTransport = NettyChannelBuilder.forTarget(benchTarget).usePlaintext()
      .flowControlWindow(4 * 1024 * 1024).maxInboundMessageSize(32 * 1024 * 1024).build();
    this.bench = BenchServiceGrpc.newBlockingStub(benchTransport);
    this.benchAsync = BenchServiceGrpc.newFutureStub(benchTransport);
    this.windowMessages = windowMessages;
    this.windowBytes = windowBytes;
  }

  /**
   * @param args channels target, unbatched target, bench target, [window messages, window bytes]
   */
  public static void main(String[] args) throws Exception {
    int windowMessages = args.length > 3 ? Integer.parseInt(args[3]) : 1024;
    long windowBytes = args.length > 4 ? Long.parseLong(args[4]) : 16L * 1024 * 1024;
    BenchClient client = new BenchClient(args[0], args[1], args[2], windowMessages, windowBytes);
    String input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
      .lines().collect(Collectors.joining("\n"));
    JsonArray cells = new JsonArray(input);
    for (int i = 0; i < cells.size(); i++) {
      JsonObject cell = cells.getJsonObject(i);
      JsonObject out = new JsonObject().put("cell", cell);
      try {
        out.put("result", client.run(cell));
      } catch (Throwable t) {
        out.put("error", t.toString());
      }
      System.out.println(out.encode());
      System.out.flush();
    }
    client.benchTransport.shutdownNow();
    System.exit(0);
  }

  private JsonObject run(JsonObject cell) throws Exception {
    String op = cell.getString("op");
    switch (op) {
      case "throughput":
      case "drain":
      case "produce":
      case "ceiling": {
        int reps = cell.getInteger("reps", 3);
        int warmup = cell.getInteger("warmup", 1);
        JsonArray runs = new JsonArray();
        for (int r = 0; r < warmup + reps; r++) {
          long s0 = bench.stats(StatsRequest.getDefaultInstance()).getCpuNanos();
          long c0 = ServerStats.cpuNanos();
          JsonObject run = op.equals("ceiling") ? ceiling(cell) : op.equals("drain") ? drain(cell)
            : op.equals("produce") ? produce(cell) : throughput(cell);
          if (!run.containsKey("client_cpu_s")) {
            run.put("client_cpu_s", (ServerStats.cpuNanos() - c0) / 1e9);
            run.put("server_cpu_s", (bench.stats(StatsRequest.getDefaultInstance()).getCpuNanos() - s0) / 1e9);
          }
          if (r >= warmup) {
            runs.add(run);
          }
        }
        return new JsonObject().put("runs", runs);
      }
      case "latency":
        return latency(cell);
      default:
        throw new IllegalArgumentException("unknown op " + op);
    }
  }

  private static PayloadKind payloadKind(String name) {
    switch (name) {
      case "bytes":
        return PayloadKind.PAYLOAD_KIND_BYTES;
      case "term_binary":
        return PayloadKind.PAYLOAD_KIND_TERM_BINARY;
      case "term_small":
        return PayloadKind.PAYLOAD_KIND_TERM_SMALL;
      default:
        throw new IllegalArgumentException("unknown payload " + name);
    }
  }

  private String target(JsonObject cell) {
    return "unbatched".equals(cell.getString("endpoint", "batched")) ? unbatchedTarget : channelsTarget;
  }

  /** One run: the server-side producer fills a new channel, this client drains it with a RemoteStream. */
  private JsonObject throughput(JsonObject cell) throws Exception {
    PayloadKind kind = payloadKind(cell.getString("payload"));
    int chunk = cell.getInteger("chunk");
    long count = cell.getLong("count");
    long maxSize = cell.getLong("max_size", 16L * 1024 * 1024);
    try (ChannelGrpcClient client = ChannelGrpcClient.connect(target(cell))) {
      RemoteChannel ch = kind == PayloadKind.PAYLOAD_KIND_BYTES ? client.newByteChannel(maxSize) : client.newChannel(maxSize);
      RemoteStream stream = ch.stream(windowMessages, windowBytes);
      long t0 = System.nanoTime();
      var produced = benchAsync.produce(ProduceRequest.newBuilder()
        .setChannelId(ch.id()).setKind(kind).setChunk(chunk).setCount(count)
        .setInFlight(cell.getInteger("in_flight", 0)).build());
      long messages = 0;
      long bytes = 0;
      byte[] m;
      while ((m = stream.next(60_000)) != null) {
        messages++;
        bytes += m.length;
      }
      long nanos = System.nanoTime() - t0;
      ProduceResponse p = produced.get(60, TimeUnit.SECONDS);
      if (messages != count) {
        throw new IllegalStateException("received " + messages + " of " + count + " messages");
      }
      return new JsonObject().put("messages", messages).put("bytes", p.getBytes()).put("wire_bytes", bytes)
        .put("seconds", nanos / 1e9).put("producer_seconds", p.getNanos() / 1e9);
    }
  }

  /** One run of the consuming side alone: the channel (max_size 0) is filled first, then drained. */
  private JsonObject drain(JsonObject cell) throws Exception {
    PayloadKind kind = payloadKind(cell.getString("payload"));
    long count = cell.getLong("count");
    try (ChannelGrpcClient client = ChannelGrpcClient.connect(target(cell))) {
      RemoteChannel ch = kind == PayloadKind.PAYLOAD_KIND_BYTES ? client.newByteChannel(0) : client.newChannel(0);
      ProduceResponse p = bench.withDeadlineAfter(300, TimeUnit.SECONDS).produce(ProduceRequest.newBuilder()
        .setChannelId(ch.id()).setKind(kind).setChunk(cell.getInteger("chunk")).setCount(count)
        .setInFlight(cell.getInteger("in_flight", 0)).build());
      long s0 = bench.stats(StatsRequest.getDefaultInstance()).getCpuNanos();
      long c0 = ServerStats.cpuNanos();
      long t0 = System.nanoTime();
      long messages = 0;
      if ("receive".equals(cell.getString("api", "stream"))) {
        // one blocking Receive call per message, until the closed channel is empty
        while (ch.receive(60_000).isMessage()) {
          messages++;
        }
      } else {
        RemoteStream stream = ch.stream(windowMessages, windowBytes);
        while (stream.next(60_000) != null) {
          messages++;
        }
      }
      long nanos = System.nanoTime() - t0;
      if (messages != count) {
        throw new IllegalStateException("received " + messages + " of " + count + " messages");
      }
      return new JsonObject().put("messages", messages).put("bytes", p.getBytes()).put("seconds", nanos / 1e9)
        .put("client_cpu_s", (ServerStats.cpuNanos() - c0) / 1e9)
        .put("server_cpu_s", (bench.stats(StatsRequest.getDefaultInstance()).getCpuNanos() - s0) / 1e9);
    }
  }

  /**
   * One run of the producing side alone: a new unlimited byte channel that nobody consumes is
   * filled with one send call per message; the time runs until the last send is accepted. The
   * channel is then closed and drained (untimed) to free the server's memory.
   */
  private JsonObject produce(JsonObject cell) throws Exception {
    int chunk = cell.getInteger("chunk");
    long count = cell.getLong("count");
    byte[] payload = new byte[chunk];
    new java.util.Random(chunk).nextBytes(payload);
    try (ChannelGrpcClient client = ChannelGrpcClient.connect(target(cell))) {
      RemoteChannel ch = client.newByteChannel(0);
      long s0 = bench.stats(StatsRequest.getDefaultInstance()).getCpuNanos();
      long c0 = ServerStats.cpuNanos();
      long t0 = System.nanoTime();
      for (long i = 0; i < count; i++) {
        SendResult r = ch.send(payload);
        if (r != SendResult.OK) {
          throw new IllegalStateException("send " + i + " answered " + r);
        }
      }
      ch.flush(); // the time covers the server's confirmation of every send
      long nanos = System.nanoTime() - t0;
      JsonObject run = new JsonObject().put("messages", count).put("bytes", count * chunk).put("seconds", nanos / 1e9)
        .put("client_cpu_s", (ServerStats.cpuNanos() - c0) / 1e9)
        .put("server_cpu_s", (bench.stats(StatsRequest.getDefaultInstance()).getCpuNanos() - s0) / 1e9)
        .put("api_used", "RemoteChannel.send, pipelined (producer credit), then flush");
      long queued = ch.info().messages();
      if (queued != count) {
        throw new IllegalStateException("the channel holds " + queued + " of " + count + " messages");
      }
      ch.close();
      RemoteStream rest = ch.stream(windowMessages, windowBytes);
      while (rest.next(60_000) != null) {
        // untimed: frees the server's memory before the next run
      }
      return run;
    }
  }

  /** One run of the bare gRPC byte stream. */
  private JsonObject ceiling(JsonObject cell) {
    int chunk = cell.getInteger("chunk");
    long count = cell.getLong("count");
    long t0 = System.nanoTime();
    Iterator<CeilingChunk> it = bench.ceiling(CeilingRequest.newBuilder().setChunk(chunk).setCount(count).build());
    long messages = 0;
    long bytes = 0;
    while (it.hasNext()) {
      bytes += it.next().getData().size();
      messages++;
    }
    long nanos = System.nanoTime() - t0;
    if (messages != count) {
      throw new IllegalStateException("received " + messages + " of " + count + " messages");
    }
    return new JsonObject().put("messages", messages).put("bytes", bytes).put("seconds", nanos / 1e9);
  }

  /** Send-to-receive latency on an idle byte channel. */
  private JsonObject latency(JsonObject cell) throws Exception {
    int samples = cell.getInteger("samples");
    int warmup = cell.getInteger("warmup", 100);
    try (ChannelGrpcClient client = ChannelGrpcClient.connect(target(cell))) {
      RemoteChannel ch = client.newByteChannel(0);
      RemoteStream stream = ch.stream(windowMessages, windowBytes);
      var sent = benchAsync.latency(LatencyRequest.newBuilder().setChannelId(ch.id()).setSamples(samples)
        .setWarmup(warmup).setIntervalMs(cell.getInteger("interval_ms", 2)).setChunk(cell.getInteger("chunk", 64))
        .setDelayMs(cell.getInteger("delay_ms", 300)).build());
      JsonArray nanos = new JsonArray();
      byte[] m;
      while ((m = stream.next(60_000)) != null) {
        long now = System.nanoTime();
        ByteBuffer b = ByteBuffer.wrap(m);
        long ts = b.getLong(0);
        long seq = b.getLong(8);
        if (seq >= warmup) {
          nanos.add(now - ts);
        }
      }
      LatencyResponse r = sent.get(60, TimeUnit.SECONDS);
      if (nanos.size() != samples) {
        throw new IllegalStateException("received " + nanos.size() + " of " + samples + " samples (" + r.getSamples() + " sent)");
      }
      return new JsonObject().put("nanos", nanos);
    }
  }
}
