package io.github.vertxchannels.client;

import io.github.vertxchannels.ChannelError;
import io.github.vertxchannels.ChannelException;
import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.UnknownChannelException;
import io.github.vertxchannels.grpc.ChannelServerOptions;
import io.github.vertxchannels.grpc.v1.AttachRequest;
import io.github.vertxchannels.grpc.v1.ChannelServiceGrpc;
import io.github.vertxchannels.grpc.v1.CreateRequest;
import io.github.vertxchannels.grpc.v1.SendToAddressRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A blocking Java client of the vertx-channels gRPC service, for Java programs outside Vert.x
 * (and for tests and benchmarks). Method names follow the Java API ({@code Channels}); results
 * are the same Erlang-style values and failures the same {@link ChannelException} types.
 *
 * <pre>{@code
 * try (ChannelGrpcClient client = ChannelGrpcClient.connect("127.0.0.1:9090")) {
 *   RemoteChannel ch = client.newByteChannel(1 << 20);
 *   ch.send("hello".getBytes());
 *   System.out.println(ch.receive(1000));
 * }
 * }</pre>
 */
public final class ChannelGrpcClient implements AutoCloseable {

  private final ManagedChannel transport;
  final ChannelServiceGrpc.ChannelServiceBlockingStub blocking;
  final ChannelServiceGrpc.ChannelServiceStub async;
  /** Idle checks of the pipelined producers (one daemon thread). */
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "vertx-channels-client-timer");
    t.setDaemon(true);
    return t;
  });
  /** Producers with an open stream. */
  private final Set<PipelinedProducer> producers = ConcurrentHashMap.newKeySet();

  private ChannelGrpcClient(ManagedChannel transport) {
    this.transport = transport;
    this.blocking = ChannelServiceGrpc.newBlockingStub(transport);
    this.async = ChannelServiceGrpc.newStub(transport);
  }

  /** The pipelined producer of a new {@link RemoteChannel}. */
  PipelinedProducer producer(String channelId, ChannelKind kind) {
    return new PipelinedProducer(this, channelId, kind, timers);
  }

  /** The per-call receives of a new {@link RemoteChannel}. */
  PrefetchedReceiver receiver(String channelId, ChannelKind kind, java.util.function.Supplier<io.github.vertxchannels.ReceiveResult> exactTry,
                              java.util.function.LongFunction<io.github.vertxchannels.ReceiveResult> exact) {
    return new PrefetchedReceiver(this, channelId, kind, timers, exactTry, exact);
  }

  /** A producer opened its stream: {@link #close()} flushes and ends it. */
  void streamOpened(PipelinedProducer p) {
    producers.add(p);
  }

  void streamEnded(PipelinedProducer p) {
    producers.remove(p);
  }

  /**
   * Connects with the server's default message limit (16 MiB).
   *
   * @param target {@code host:port}, e.g. {@code 127.0.0.1:9090}
   */
  public static ChannelGrpcClient connect(String target) {
    return connect(target, ChannelServerOptions.DEFAULT_MAX_MESSAGE_SIZE);
  }

  /**
   * @param target {@code host:port}
   * @param maxMessageSize the largest payload to accept, in bytes (match the server's)
   */
  public static ChannelGrpcClient connect(String target, int maxMessageSize) {
    ManagedChannel transport = NettyChannelBuilder.forTarget(target)
      .usePlaintext()
      .maxInboundMessageSize(maxMessageSize + ChannelServerOptions.FRAMING_HEADROOM)
      .keepAliveTime(10, TimeUnit.SECONDS)
      .flowControlWindow(4 * 1024 * 1024)
      .build();
    return new ChannelGrpcClient(transport);
  }

  /** Creates a term channel ({@code max_size} in bytes, 0 = unlimited). */
  public RemoteChannel newChannel(long maxSize) {
    return create(ChannelKind.TERM, maxSize);
  }

  /** Creates a byte channel ({@code max_size} in bytes, 0 = unlimited). */
  public RemoteChannel newByteChannel(long maxSize) {
    return create(ChannelKind.BYTES, maxSize);
  }

  /** Attaches to an existing term channel. */
  public RemoteChannel channel(String id) {
    return attach(id, ChannelKind.TERM);
  }

  /** Attaches to an existing byte channel. */
  public RemoteChannel byteChannel(String id) {
    return attach(id, ChannelKind.BYTES);
  }

  /**
   * Sends a term (ETF bytes) or bytes to a Vert.x event-bus address, e.g. one a verticle handed
   * out (S-EXT-REPLY). Fire and forget, like Erlang's send.
   */
  public void sendTo(String address, ChannelKind kind, byte[] payload) {
    call(() -> blocking.sendToAddress(SendToAddressRequest.newBuilder().setAddress(address)
      .setKind(RemoteChannel.kind(kind)).setPayload(com.google.protobuf.ByteString.copyFrom(payload)).build()));
  }

  private RemoteChannel create(ChannelKind kind, long maxSize) {
    ChannelInfo info = call(() -> RemoteChannel.info(blocking.create(CreateRequest.newBuilder()
      .setKind(RemoteChannel.kind(kind)).setMaxSize(maxSize).build()).getInfo()));
    return new RemoteChannel(this, info.id(), kind);
  }

  private RemoteChannel attach(String id, ChannelKind kind) {
    ChannelInfo info = call(() -> RemoteChannel.info(blocking.attach(AttachRequest.newBuilder()
      .setChannelId(id).setExpectedKind(RemoteChannel.kind(kind)).build()).getInfo()));
    return new RemoteChannel(this, info.id(), info.kind());
  }

  /**
   * Waits until every pipelined send is confirmed, then closes the connection (channels stay on
   * the server).
   *
   * @throws UnconfirmedSendsException after closing, when some sends reported OK could not be
   *                                   enqueued (the first such failure)
   */
  @Override
  public void close() {
    RuntimeException unconfirmed = null;
    for (PipelinedProducer p : List.copyOf(producers)) {
      try {
        p.close(null);
      } catch (RuntimeException e) {
        unconfirmed = unconfirmed == null ? e : unconfirmed;
      }
    }
    producers.clear();
    timers.shutdownNow();
    shutdown();
    if (unconfirmed != null) {
      throw unconfirmed;
    }
  }

  private void shutdown() {
    transport.shutdownNow();
    try {
      transport.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs a blocking call, mapping gRPC statuses to the API's exceptions. */
  static <T> T call(java.util.function.Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw fromStatus(e.getStatus(), e.getTrailers());
    }
  }

  /** The server's trailer naming our error where a status code alone is ambiguous. */
  private static final Metadata.Key<String> ERROR_TRAILER =
    Metadata.Key.of("vertx-channels-error", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * @param trailers the call's trailers, or {@code null}
   * @return the exception a status maps to: by the server's error trailer when there is one (it
   * tells "owner lost" from any other UNAVAILABLE, and "limit" from a message too large for the
   * transport, both RESOURCE_EXHAUSTED), else by the status code
   */
  static RuntimeException fromStatus(Status status, Metadata trailers) {
    String message = status.getDescription() == null ? status.getCode().name() : status.getDescription();
    String named = trailers == null ? null : trailers.get(ERROR_TRAILER);
    if (named != null) {
      for (ChannelError error : ChannelError.values()) {
        if (error.name().equalsIgnoreCase(named)) {
          return error.toException(message);
        }
      }
    }
    for (ChannelError error : ChannelError.values()) {
      if (error.grpcStatus().equals(status.getCode().name()) && !error.needsTrailer()) {
        return error.toException(message);
      }
    }
    return status.asRuntimeException(trailers);
  }
}
