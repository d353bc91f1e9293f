package io.github.vertxchannels.conformance.surfaces;

import io.github.vertxchannels.ChannelKind;
import io.github.vertxchannels.ChannelTimeoutException;
import io.github.vertxchannels.client.ChannelGrpcClient;
import io.github.vertxchannels.client.RemoteChannel;
import io.github.vertxchannels.client.RemoteStream;
import io.github.vertxchannels.conformance.engine.Canonical;
import io.github.vertxchannels.conformance.engine.Outcome;
import io.github.vertxchannels.conformance.engine.OutcomeException;
import io.github.vertxchannels.conformance.engine.Payload;
import io.github.vertxchannels.conformance.engine.Surface;
import io.github.vertxchannels.etf.Etf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Surface {@code java-grpc}: the blocking Java gRPC client ({@link ChannelGrpcClient},
 * {@link RemoteChannel}, {@link RemoteStream}) over HTTP/2 to the real server on a loopback port.
 * Terms are encoded from values built from erl's canonical form. Cancellable receives and
 * iteration are Stream calls ({@link RemoteStream}).
 */
public final class GrpcSurface implements Surface {

  /** Byte credit of the streams: at least the server's largest message. */
  private static final long WINDOW_BYTES = 17L << 20;

  private final String target;
  private final ChannelGrpcClient client;
  private final List<ChannelGrpcClient> extra = new ArrayList<>();

  /** @param target {@code host:port} of the server */
  public GrpcSurface(String target) {
    this.target = target;
    this.client = ChannelGrpcClient.connect(target);
  }

  @Override
  public String name() {
    return "java-grpc";
  }

  @Override
  public String language() {
    return "java";
  }

  @Override
  public String cannot(String capability) {
    switch (capability) {
      case RAW_TERM_PAYLOAD:
      case BREAK_CONNECTION:
      case EVENT_BUS_PROBE:
        return null;
      case PYTHON_API:
        return "a Python-only API check (contract section 5, Python spelling)";
      default:
        return "unknown capability " + capability;
    }
  }

  private synchronized ChannelGrpcClient newClient() {
    ChannelGrpcClient c = ChannelGrpcClient.connect(target);
    extra.add(c);
    return c;
  }

  @Override
  public Chan create(String kind, long maxSize, boolean separateCreator) throws OutcomeException {
    ChannelGrpcClient c = separateCreator ? newClient() : client;
    try {
      RemoteChannel rc = kind.equals("term") ? c.newChannel(maxSize) : c.newByteChannel(maxSize);
      return new GChan(rc, separateCreator ? c : null);
    } catch (RuntimeException e) {
      throw new OutcomeException(EventBusSurface.outcomeOf(e));
    }
  }

  @Override
  public Chan attach(String id, String kind, boolean newConnection) throws OutcomeException {
    ChannelGrpcClient c = newConnection ? newClient() : client;
    try {
      return new GChan(kind.equals("term") ? c.channel(id) : c.byteChannel(id), null);
    } catch (RuntimeException e) {
      throw new OutcomeException(EventBusSurface.outcomeOf(e));
    }
  }

  @Override
  public Outcome sendToAddress(String address, Payload payload) {
    try {
      client.sendTo(address, payload.canon() != null ? ChannelKind.TERM : ChannelKind.BYTES, bytes(payload));
      return Outcome.of("ok");
    } catch (RuntimeException e) {
      return Outcome.error(e);
    }
  }

  @Override
  public synchronized void close() {
    extra.forEach(ChannelGrpcClient::close);
    client.close();
  }

  static byte[] bytes(Payload p) {
    return p.canon() != null ? Etf.encodeToBytes(Canonical.toTerm(p.canon())) : p.bytes();
  }

  private final class GChan implements Chan {
    private final RemoteChannel rc;
    private final ChannelGrpcClient creator;

    GChan(RemoteChannel rc, ChannelGrpcClient creator) {
      this.rc = rc;
      this.creator = creator;
    }

    @Override
    public String id() {
      return rc.id();
    }

    @Override
    public Outcome send(Payload payload) {
      try {
        return EventBusSurface.sent(rc.send(bytes(payload)));
      } catch (RuntimeException e) {
        return EventBusSurface.outcomeOf(e);
      }
    }

    @Override
    public Outcome sendWait(Payload payload, long timeoutMs) {
      try {
        return EventBusSurface.sent(rc.send(bytes(payload), timeoutMs));
      } catch (RuntimeException e) {
        return EventBusSurface.outcomeOf(e);
      }
    }

    @Override
    public Outcome tryReceive() {
      try {
        return EventBusSurface.received(rc.tryReceive());
      } catch (RuntimeException e) {
        return EventBusSurface.outcomeOf(e);
      }
    }

    @Override
    public Outcome receive(long timeoutMs) {
      try {
        return EventBusSurface.received(rc.receive(timeoutMs));
      } catch (RuntimeException e) {
        return EventBusSurface.outcomeOf(e);
      }
    }

    @Override
    public Pending receiveCancellable(long timeoutMs) {
      CompletableFuture<Outcome> result = new CompletableFuture<>();
      CompletableFuture<Void> cancelled = new CompletableFuture<>();
      Thread t = new Thread(() -> result.complete(streamReceive(timeoutMs, cancelled)), "grpc-cancellable-receive");
      t.setDaemon(true);
      t.start();
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
          cancelled.complete(null);
        }

        @Override
        public boolean isDone() {
          return result.isDone();
        }
      };
    }

    /**
     * A receive over a Stream call with a credit of one message. RemoteStream is used from this
     * one thread only; a cancel is noticed between short polls and ends the call here, so what
     * was pushed but not handed over is given back by the server.
     */
    private Outcome streamReceive(long timeoutMs, CompletableFuture<Void> cancelled) {
      long deadline = timeoutMs < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMs * 1_000_000;
      RemoteStream rs = rc.stream(1, WINDOW_BYTES);
      try {
        while (true) {
          if (cancelled.isDone()) {
            return Outcome.of("cancelled");
          }
          if (System.nanoTime() > deadline) {
            return Outcome.of("timeout");
          }
          try {
            byte[] m = rs.next(10);
            return m == null ? Outcome.of("closed") : Outcome.message(m);
          } catch (ChannelTimeoutException poll) {
            // nothing yet
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Outcome.error(e);
      } catch (RuntimeException e) {
        return EventBusSurface.outcomeOf(e);
      } finally {
        rs.close();
      }
    }

    @Override
    public Outcome close() {
      try {
        rc.close();
        return Outcome.of("ok");
      } catch (RuntimeException e) {
        return EventBusSurface.outcomeOf(e);
      }
    }

    @Override
    public Outcome info() {
      try {
        return EventBusSurface.info(rc.info());
      } catch (RuntimeException e) {
        return EventBusSurface.outcomeOf(e);
      }
    }

    @Override
    public Outcome iterate(String style, long withinMs) {
      long deadline = System.nanoTime() + withinMs * 1_000_000;
      List<Outcome> items = new ArrayList<>();
      try (RemoteStream rs = rc.stream(256, WINDOW_BYTES)) {
        while (true) {
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left <= 0) {
            return Outcome.of("timeout", "the iteration did not end within " + withinMs + " ms (" + items.size() + " messages)");
          }
          byte[] m;
          try {
            m = rs.next(left);
          } catch (ChannelTimeoutException e) {
            continue;
          }
          if (m == null) {
            return Outcome.messages(items);
          }
          items.add(Outcome.message(m));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Outcome.error(e);
      } catch (RuntimeException e) {
        return EventBusSurface.outcomeOf(e);
      }
    }

    @Override
    public Iter iterOpen(int window, boolean newConnection) {
      ChannelGrpcClient c = newConnection ? newClient() : client;
      RemoteChannel on;
      try {
        on = rc.kind() == io.github.vertxchannels.ChannelKind.TERM ? c.channel(rc.id()) : c.byteChannel(rc.id());
      } catch (RuntimeException e) {
        throw new IllegalStateException("attaching for the iterator failed", e);
      }
      RemoteStream rs = on.stream(window, WINDOW_BYTES);
      return new Iter() {
        @Override
        public Outcome next(long timeoutMs) {
          try {
            byte[] m = rs.next(timeoutMs);
            return m == null ? Outcome.of("end") : Outcome.message(m);
          } catch (ChannelTimeoutException e) {
            return Outcome.of("timeout");
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.error(e);
          } catch (RuntimeException e) {
            return EventBusSurface.outcomeOf(e);
          }
        }

        @Override
        public void close() {
          rs.close();
        }

        @Override
        public void breakConnection() {
          if (c == client) {
            throw new IllegalStateException("break_connection needs an iterator opened with connection: new");
          }
          c.close();
        }
      };
    }

    @Override
    public void endCreator() {
      if (creator != null) {
        creator.close();
      }
    }
  }
}
