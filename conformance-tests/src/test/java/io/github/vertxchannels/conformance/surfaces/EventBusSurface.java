package io.github.vertxchannels.conformance.surfaces;

import io.github.vertxchannels.ByteChannel;
import io.github.vertxchannels.Channel;
import io.github.vertxchannels.ChannelInfo;
import io.github.vertxchannels.ChannelStream;
import io.github.vertxchannels.ChannelTimeoutException;
import io.github.vertxchannels.Channels;
import io.github.vertxchannels.InvalidArgumentException;
import io.github.vertxchannels.MessageTooLargeException;
import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.TermChannel;
import io.github.vertxchannels.UnknownChannelException;
import io.github.vertxchannels.WrongKindException;
import io.github.vertxchannels.conformance.engine.Canonical;
import io.github.vertxchannels.conformance.engine.Outcome;
import io.github.vertxchannels.conformance.engine.OutcomeException;
import io.github.vertxchannels.conformance.engine.Payload;
import io.github.vertxchannels.conformance.engine.Surface;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Surface {@code java-eventbus}: the Java API ({@link Channels}, {@link Channel}, {@link ChannelStream})
 * in the server's own Vert.x, over the event bus, as a verticle would use it. Terms are sent as
 * {@link io.github.vertxchannels.etf.Term} values built from erl's canonical form; iteration and
 * cancellable receives use the push stream ({@link Channel#stream(int)}) on one event-loop context.
 */
public final class EventBusSurface implements Surface {

  private static final long CALL_TIMEOUT_S = 60;

  private final Vertx vertx;
  private final Channels channels;
  private final Context context;

  /** @param vertx a Vert.x where a {@link io.github.vertxchannels.ChannelVerticle} is deployed */
  public EventBusSurface(Vertx vertx) {
    this.vertx = vertx;
    this.channels = Channels.create(vertx);
    this.context = vertx.getOrCreateContext();
  }

  @Override
  public String name() {
    return "java-eventbus";
  }

  @Override
  public String language() {
    return "java";
  }

  @Override
  public String cannot(String capability) {
    switch (capability) {
      case RAW_TERM_PAYLOAD:
      case EVENT_BUS_PROBE:
        return null;
      case BREAK_CONNECTION:
        return "the event bus in one Vert.x has no connection to cut (stopping a stream early is "
            + "stopped_iteration_returns_unhanded_messages_to_the_head)";
      case PYTHON_API:
        return "a Python-only API check (contract section 5, Python spelling)";
      default:
        return "unknown capability " + capability;
    }
  }

  @Override
  public Chan create(String kind, long maxSize, boolean separateCreator) throws OutcomeException {
    if (separateCreator) {
      CreatorVerticle creator = new CreatorVerticle(kind, maxSize);
      String deployment;
      try {
        deployment = await(vertx.deployVerticle(creator));
      } catch (Exception e) {
        throw new OutcomeException(outcomeOf(e));
      }
      return new EbChan(creator.channel, deployment);
    }
    try {
      Channel ch = await(kind.equals("term") ? channels.newChannel(maxSize).map(c -> (Channel) c)
          : channels.newByteChannel(maxSize).map(c -> (Channel) c));
      return new EbChan(ch, null);
    } catch (Exception e) {
      throw new OutcomeException(outcomeOf(e));
    }
  }

  @Override
  public Chan attach(String id, String kind, boolean newConnection) throws OutcomeException {
    Channels api = newConnection ? Channels.create(vertx) : channels;
    try {
      Channel ch = await(kind.equals("term") ? api.channel(id).map(c -> (Channel) c)
          : api.byteChannel(id).map(c -> (Channel) c));
      return new EbChan(ch, null);
    } catch (Exception e) {
      throw new OutcomeException(outcomeOf(e));
    }
  }

  /**
   * In Java the counterpart of erlang_python's {@code reply(pid, term)} is the event bus itself: a
   * verticle sends the ETF bytes (or the raw bytes) as a {@link Buffer} to the address.
   */
  @Override
  public Outcome sendToAddress(String address, Payload payload) {
    vertx.eventBus().send(address, Buffer.buffer(payload.bytes()));
    return Outcome.of("ok");
  }

  @Override
  public void close() {
    // The Vert.x belongs to the suite.
  }

  /** A verticle that creates one channel and is undeployed by {@code end_creator}. */
  private static final class CreatorVerticle extends VerticleBase {
    private final String kind;
    private final long maxSize;
    volatile Channel channel;

    CreatorVerticle(String kind, long maxSize) {
      this.kind = kind;
      this.maxSize = maxSize;
    }

    @Override
    public Future<?> start() {
      Channels api = Channels.create(vertx);
      Future<? extends Channel> f = kind.equals("term") ? api.newChannel(maxSize) : api.newByteChannel(maxSize);
      return f.onSuccess(c -> channel = c);
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(CALL_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception x ? x : e;
    }
  }

  static Outcome outcomeOf(Throwable e) {
    if (e instanceof InvalidArgumentException) {
      return Outcome.of("invalid_argument", e.getMessage());
    }
    if (e instanceof ChannelTimeoutException) {
      return Outcome.of("timeout");
    }
    if (e instanceof MessageTooLargeException) {
      return Outcome.of("too_large", e.getMessage());
    }
    if (e instanceof UnknownChannelException) {
      return Outcome.of("not_found", e.getMessage());
    }
    if (e instanceof WrongKindException) {
      return Outcome.of("wrong_kind", e.getMessage());
    }
    return Outcome.error(e);
  }

  static Outcome sent(SendResult r) {
    return Outcome.of(r.wireName());
  }

  static Outcome received(ReceiveResult r) {
    return switch (r.status()) {
      case MESSAGE -> Outcome.message(r.payload().getBytes());
      case EMPTY -> Outcome.of("empty");
      case CLOSED -> Outcome.of("closed");
    };
  }

  static Outcome info(ChannelInfo i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", i.size());
    m.put("max_size", i.maxSize());
    m.put("closed", i.closed());
    m.put("messages", i.messages());
    m.put("waiting_receivers", i.waitingReceivers());
    m.put("waiting_senders", i.waitingSenders());
    return Outcome.info(m);
  }

  private final class EbChan implements Chan {
    private final Channel ch;
    private final String creatorDeployment;

    EbChan(Channel ch, String creatorDeployment) {
      this.ch = ch;
      this.creatorDeployment = creatorDeployment;
    }

    @Override
    public String id() {
      return ch.id();
    }

    private Future<SendResult> sendFuture(Payload p, Long timeoutMs) {
      if (ch instanceof TermChannel tc && p.canon() != null) {
        var term = Canonical.toTerm(p.canon());
        return timeoutMs == null ? tc.send(term) : tc.send(term, timeoutMs);
      }
      Buffer b = Buffer.buffer(p.bytes());
      return timeoutMs == null ? ch.send(b) : ch.send(b, timeoutMs);
    }

    @Override
    public Outcome send(Payload payload) {
      try {
        return sent(await(sendFuture(payload, null)));
      } catch (Exception e) {
        return outcomeOf(e);
      }
    }

    @Override
    public Outcome sendWait(Payload payload, long timeoutMs) {
      try {
        return sent(await(sendFuture(payload, timeoutMs)));
      } catch (Exception e) {
        return outcomeOf(e);
      }
    }

    @Override
    public Outcome tryReceive() {
      try {
        return received(await(ch.tryReceive()));
      } catch (Exception e) {
        return outcomeOf(e);
      }
    }

    @Override
    public Outcome receive(long timeoutMs) {
      try {
        return received(await(ch.receive(timeoutMs)));
      } catch (Exception e) {
        return outcomeOf(e);
      }
    }

    @Override
    public Pending receiveCancellable(long timeoutMs) {
      CompletableFuture<Outcome> result = new CompletableFuture<>();
      ChannelStream[] stream = new ChannelStream[1];
      context.runOnContext(v -> {
        ChannelStream s = ch.stream(1);
        stream[0] = s;
        s.exceptionHandler(err -> result.complete(outcomeOf(err)));
        s.endHandler(end -> result.complete(Outcome.of("closed")));
        s.handler(buf -> {
          if (result.complete(Outcome.message(buf.getBytes()))) {
            s.cancel();
          }
        });
        if (timeoutMs >= 0) {
          vertx.setTimer(Math.max(1, timeoutMs), t -> {
            if (result.complete(Outcome.of("timeout"))) {
              s.cancel();
            }
          });
        }
      });
      return new Pending() {
        @Override
        public Outcome await(long withinMs) throws TimeoutException {
          try {
            return result.get(withinMs, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.error(e);
          } catch (ExecutionException e) {
            return Outcome.error(e.getCause());
          }
        }

        @Override
        public void cancel() {
          context.runOnContext(v -> {
            if (result.complete(Outcome.of("cancelled")) && stream[0] != null) {
              stream[0].cancel();
            }
          });
        }

        @Override
        public boolean isDone() {
          return result.isDone();
        }
      };
    }

    @Override
    public Outcome close() {
      try {
        await(ch.close());
        return Outcome.of("ok");
      } catch (Exception e) {
        return outcomeOf(e);
      }
    }

    @Override
    public Outcome info() {
      try {
        return EventBusSurface.info(await(ch.info()));
      } catch (Exception e) {
        return outcomeOf(e);
      }
    }

    @Override
    public Outcome iterate(String style, long withinMs) {
      CompletableFuture<Outcome> result = new CompletableFuture<>();
      List<Outcome> items = new ArrayList<>();
      ChannelStream[] stream = new ChannelStream[1];
      context.runOnContext(v -> {
        ChannelStream s = ch.stream(256);
        stream[0] = s;
        s.exceptionHandler(err -> result.complete(outcomeOf(err)));
        s.endHandler(end -> result.complete(Outcome.messages(items)));
        s.handler(buf -> items.add(Outcome.message(buf.getBytes())));
      });
      try {
        return result.get(withinMs, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        context.runOnContext(v -> stream[0].cancel());
        return Outcome.of("timeout", "the iteration did not end within " + withinMs + " ms");
      } catch (Exception e) {
        return Outcome.error(e);
      }
    }

    @Override
    public Iter iterOpen(int window, boolean newConnection) {
      LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
      Object end = new Object();
      ChannelStream[] stream = new ChannelStream[1];
      context.runOnContext(v -> {
        ChannelStream s = ch.stream(window).pause();
        stream[0] = s;
        s.exceptionHandler(queue::add);
        s.endHandler(x -> queue.add(end));
        s.handler(buf -> queue.add(buf.getBytes()));
      });
      return new Iter() {
        @Override
        public Outcome next(long timeoutMs) {
          context.runOnContext(v -> stream[0].fetch(1));
          try {
            Object o = queue.poll(timeoutMs, TimeUnit.MILLISECONDS);
            if (o == null) {
              return Outcome.of("timeout");
            }
            if (o == end) {
              return Outcome.of("end");
            }
            if (o instanceof Throwable t) {
              return outcomeOf(t);
            }
            return Outcome.message((byte[]) o);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.error(e);
          }
        }

        @Override
        public void close() {
          Promise<Void> done = Promise.promise();
          context.runOnContext(v -> stream[0].cancel().onComplete(done));
          try {
            await(done.future());
          } catch (Exception ignored) {
            // best effort
          }
        }

        @Override
        public void breakConnection() {
          throw new UnsupportedOperationException("no connection to break on the event bus");
        }
      };
    }

    @Override
    public void endCreator() {
      if (creatorDeployment != null) {
        try {
          await(vertx.undeploy(creatorDeployment));
        } catch (Exception e) {
          throw new IllegalStateException("undeploying the creator verticle failed", e);
        }
      }
    }
  }
}
