package io.github.vertxchannels.bench;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.Channel;
import io.github.vertxchannels.Channels;
import io.github.vertxchannels.bench.v1.BenchServiceGrpcService;
import io.github.vertxchannels.bench.v1.CeilingChunk;
import io.github.vertxchannels.bench.v1.CeilingRequest;
import io.github.vertxchannels.bench.v1.LatencyRequest;
import io.github.vertxchannels.bench.v1.LatencyResponse;
import io.github.vertxchannels.bench.v1.LocalConsumeRequest;
import io.github.vertxchannels.bench.v1.LocalConsumeResponse;
import io.github.vertxchannels.bench.v1.LocalLatencyResponse;
import io.github.vertxchannels.bench.v1.PayloadKind;
import io.github.vertxchannels.bench.v1.ProduceRequest;
import io.github.vertxchannels.bench.v1.ProduceResponse;
import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerResponse;

import java.util.function.Function;

/**
 * The benchmark's control service ({@code vertx.channels.bench.v1.BenchService}) on its own
 * HTTP/2 server, with the same HTTP/2 settings as {@link io.github.vertxchannels.grpc.ChannelGrpcVerticle}
 * so that its {@code Ceiling} stream is the transport ceiling of the channel service: the same
 * Vert.x gRPC server stack, one gRPC message per chunk, no channel semantics.
 */
final class BenchVerticle extends VerticleBase {

  private final String host;
  private Channels channels;
  private HttpServer httpServer;

  BenchVerticle(String host) {
    this.host = host;
  }

  @Override
  public Future<?> start() {
    channels = Channels.create(vertx);
    GrpcServer grpc = GrpcServer.server(vertx, new GrpcServerOptions()
      .setMaxMessageSize(ChannelServerOptions.DEFAULT_MAX_MESSAGE_SIZE + ChannelServerOptions.FRAMING_HEADROOM));
    unary(grpc, BenchServiceGrpcService.Produce, this::produce);
    unary(grpc, BenchServiceGrpcService.LocalConsume, this::localConsume);
    unary(grpc, BenchServiceGrpcService.Latency, this::latency);
    unary(grpc, BenchServiceGrpcService.LocalLatency, this::localLatency);
    unary(grpc, BenchServiceGrpcService.Stats, req -> Future.succeededFuture(ServerStats.now(req.getGc())));
    grpc.callHandler(BenchServiceGrpcService.Ceiling, call -> call.handler(req -> ceiling(req, call.response())));
    HttpServerOptions options = new HttpServerOptions()
      .setHost(host)
      .setPort(0)
      // The settings of ChannelGrpcVerticle: the ceiling runs on the same HTTP/2 stack.
      .setInitialSettings(new Http2Settings().setInitialWindowSize(4 * 1024 * 1024)
        .setMaxFrameSize(1024 * 1024 - 1))
      .setHttp2ConnectionWindowSize(16 * 1024 * 1024);
    return vertx.createHttpServer(options).requestHandler(grpc).listen().onSuccess(s -> httpServer = s);
  }

  int actualPort() {
    return httpServer.actualPort();
  }

  // ------------------------------------------------------------------------------------ rpcs

  private Future<ProduceResponse> produce(ProduceRequest req) {
    Buffer payload = Payloads.of(req.getKind(), req.getChunk());
    long counted = Payloads.countedBytes(req.getKind(), req.getChunk(), payload);
    return attach(req.getChannelId(), req.getKind())
      .compose(ch -> Producer.run(ch, payload, req.getFreshPayload(), req.getCount(), req.getInFlight()))
      .map(nanos -> ProduceResponse.newBuilder()
        .setMessages(req.getCount()).setBytes(req.getCount() * counted).setNanos(nanos).build());
  }

  private Future<LocalConsumeResponse> localConsume(LocalConsumeRequest req) {
    Buffer payload = Payloads.of(req.getKind(), req.getChunk());
    int window = req.getWindow() == 0 ? 256 : req.getWindow();
    Future<? extends Channel> created = Payloads.isTerm(req.getKind())
      ? channels.newChannel(req.getMaxSize()) : channels.newByteChannel(req.getMaxSize());
    return created.compose(ch -> {
      if (req.getSequential()) {
        return Producer.run(ch, payload, false, req.getCount(), req.getInFlight()).compose(producerNanos -> {
          LocalConsumer consumer = new LocalConsumer(ch, window, null);
          long t0 = System.nanoTime();
          return vertx.deployVerticle(consumer).compose(deployment -> consumer.done()
            .eventually(() -> vertx.undeploy(deployment))
            .map(r -> LocalConsumeResponse.newBuilder()
              .setMessages(r[0]).setBytes(r[1]).setNanos(r[2] - t0).setProducerNanos(producerNanos).build()));
        });
      }
      LocalConsumer consumer = new LocalConsumer(ch, window, null);
      return vertx.deployVerticle(consumer).compose(deployment -> {
        long t0 = System.nanoTime();
        Future<Long> produced = Producer.run(ch, payload, false, req.getCount(), req.getInFlight());
        return Future.all(produced, consumer.done())
          .eventually(() -> vertx.undeploy(deployment))
          .map(all -> {
            long[] r = consumer.done().result();
            return LocalConsumeResponse.newBuilder()
              .setMessages(r[0]).setBytes(r[1]).setNanos(r[2] - t0)
              .setProducerNanos(produced.result()).build();
          });
      });
    });
  }

  private Future<LatencyResponse> latency(LatencyRequest req) {
    return attach(req.getChannelId(), PayloadKind.PAYLOAD_KIND_BYTES)
      .compose(ch -> sendTimestamped(ch, req))
      .map(n -> LatencyResponse.newBuilder().setSamples(n).build());
  }

  private Future<LocalLatencyResponse> localLatency(LatencyRequest req) {
    int total = req.getWarmup() + req.getSamples();
    long[] nanos = new long[total];
    int[] received = {0};
    return channels.newByteChannel(0).compose(ch -> {
      LocalConsumer consumer = new LocalConsumer(ch, 256, b -> {
        long now = System.nanoTime();
        int seq = (int) b.getLong(8);
        if (seq < total) {
          nanos[seq] = now - b.getLong(0);
          received[0]++;
        }
      });
      return vertx.deployVerticle(consumer).compose(deployment ->
        Future.all(sendTimestamped(ch, req), consumer.done())
          .eventually(() -> vertx.undeploy(deployment))
          .map(all -> {
            if (received[0] != total) {
              throw new IllegalStateException("received " + received[0] + " of " + total + " messages");
            }
            LocalLatencyResponse.Builder out = LocalLatencyResponse.newBuilder();
            for (int i = req.getWarmup(); i < total; i++) {
              out.addNanos(nanos[i]);
            }
            return out.build();
          }));
    });
  }

  /** Sends warm-up + samples timestamped messages, one per interval, then closes the channel. */
  private Future<Integer> sendTimestamped(Channel ch, LatencyRequest req) {
    int total = req.getWarmup() + req.getSamples();
    int chunk = Math.max(16, req.getChunk());
    long interval = Math.max(1, req.getIntervalMs());
    Promise<Integer> done = Promise.promise();
    int[] sent = {0};
    vertx.setPeriodic(Math.max(1, req.getDelayMs()), interval, id -> {
      if (sent[0] == total) {
        vertx.cancelTimer(id);
        ch.close().onComplete(c -> done.tryComplete(total));
        return;
      }
      Buffer payload = Buffer.buffer(chunk).appendLong(0).appendLong(sent[0]++).appendBytes(new byte[chunk - 16]);
      payload.setLong(0, System.nanoTime());
      ch.send(payload).onFailure(done::tryFail);
    });
    return done.future();
  }

  /** The bare stream: one gRPC message per chunk, written while HTTP/2 accepts more. */
  private void ceiling(CeilingRequest req, GrpcServerResponse<CeilingRequest, CeilingChunk> response) {
    CeilingChunk chunk = CeilingChunk.newBuilder().setData(ByteString.copyFrom(Payloads.randomBytes(req.getChunk()))).build();
    long[] left = {req.getCount()};
    boolean[] ended = {false};
    Runnable pump = () -> {
      while (!ended[0] && left[0] > 0 && !response.writeQueueFull()) {
        response.write(chunk);
        left[0]--;
      }
      if (!ended[0] && left[0] == 0) {
        ended[0] = true;
        response.end();
      }
    };
    response.exceptionHandler(err -> ended[0] = true);
    response.drainHandler(v -> pump.run());
    pump.run();
  }

  // --------------------------------------------------------------------------------- helpers

  private Future<? extends Channel> attach(String id, PayloadKind kind) {
    return Payloads.isTerm(kind) ? channels.channel(id) : channels.byteChannel(id);
  }

  private static <Req, Resp> void unary(GrpcServer server, ServiceMethod<Req, Resp> method, Function<Req, Future<Resp>> logic) {
    server.callHandler(method, call -> call.handler(request -> {
      Future<Resp> result;
      try {
        result = logic.apply(request);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(ar -> {
        try {
          if (ar.succeeded()) {
            call.response().end(ar.result());
          } else {
            String message = ar.cause().getMessage() == null ? ar.cause().toString() : ar.cause().getMessage();
            call.response().status(GrpcStatus.INTERNAL).statusMessage(message).end();
          }
        } catch (IllegalStateException callGone) {
          // the client went away
        }
      });
    }));
  }
}
