/*
 * Soak worker on the Java gRPC client (io.github.vertxchannels.client.ChannelGrpcClient), one OS
 * process among those soak.py starts. Run in Java's single-source-file mode against the server's
 * fat jar, which holds the client, the ETF codec and Vert.x's JSON (so no Maven is needed):
 *
 *   java -cp verticles/target/vertx-channels.jar conformance-tests/soak/SoakClient.java \
 *        --plan plan.json --out result.json
 *
 * Protocol with the driver (the same as worker.py's): wait for the line "start" on stdin, read the
 * plan, attach every channel of the plan, print "ready"; wait for the line "go <seconds>"; run
 * every role (a producer or a consumer of one channel) on its own thread; write the result JSON,
 * print "done". If stdin reaches EOF (the driver died or gave up), halt at once, so that no
 * worker outlives its driver.
 *
 * The message format (shared with worker.py, see README.md): every payload carries the producer
 * id, the channel index and the producer's sequence number, followed by padding whose length and
 * bytes follow from (producer, seq), so that a consumer can check each message on its own.
 *   bytes channel: "SOAK" | u32 producer | u32 channel | u64 seq | padding
 *   term channel:  {soak, Producer, Channel, Seq, <<padding>>}
 * padding length = (seq * 7919 + producer * 31) mod (pad_max + 1); padding[i] = (seq + i) mod 256.
 */

import io.github.vertxchannels.ChannelTimeoutException;
import io.github.vertxchannels.ReceiveResult;
import io.github.vertxchannels.SendResult;
import io.github.vertxchannels.client.ChannelGrpcClient;
import io.github.vertxchannels.client.RemoteChannel;
import io.github.vertxchannels.client.RemoteStream;
import io.github.vertxchannels.client.UnconfirmedSendsException;
import io.github.vertxchannels.etf.Atom;
import io.github.vertxchannels.etf.ErlBinary;
import io.github.vertxchannels.etf.ErlInteger;
import io.github.vertxchannels.etf.ErlTuple;
import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.Term;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

public final class SoakClient {

  private static final byte[] MAGIC = "SOAK".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADER = 20;
  /** Examples of failures kept per role (the counts are exact, the examples are a sample). */
  private static final int MAX_EXAMPLES = 5;

  public static void main(String[] args) throws Exception {
    String planPath = null;
    String outPath = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--plan")) {
        planPath = args[i + 1];
      } else if (args[i].equals("--out")) {
        outPath = args[i + 1];
      }
    }
    if (planPath == null || outPath == null) {
      System.err.println("usage: SoakClient.java --plan plan.json --out result.json");
      System.exit(2);
    }
    // The driver starts us early (compiling this file takes a few seconds) and writes our plan
    // later: wait for its "start".
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (!"start".equals(stdin.readLine())) {
      Runtime.getRuntime().halt(3);
    }
    JsonObject plan = new JsonObject(Files.readString(Path.of(planPath)));
    String target = plan.getString("target");
    JsonArray connSpecs = plan.getJsonArray("connections");
    List<ChannelGrpcClient> clients = new ArrayList<>();
    for (int i = 0; i < connSpecs.size(); i++) {
      clients.add(ChannelGrpcClient.connect(target));
    }

    List<Role> roles = new ArrayList<>();
    for (Object o : plan.getJsonArray("roles")) {
      JsonObject spec = (JsonObject) o;
      ChannelGrpcClient client = clients.get(spec.getInteger("conn"));
      String id = spec.getString("channel_id");
      // Attach checks the id and the kind: a plan mistake fails here, before "ready".
      RemoteChannel ch = spec.getString("kind").equals("term") ? client.channel(id) : client.byteChannel(id);
      roles.add(spec.getString("role").equals("producer") ? new Producer(spec, ch) : new Consumer(spec, ch));
    }

    System.out.println("ready");
    System.out.flush();
    String go = stdin.readLine();
    if (go == null || !go.startsWith("go ")) {
      Runtime.getRuntime().halt(3);
    }
    double seconds = Double.parseDouble(go.substring(3).trim());
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    // The driver keeps stdin open while it wants us alive: EOF means it died or gave up.
    daemon(() -> {
      try {
        while (stdin.readLine() != null) {
          // nothing else is sent
        }
      } catch (Exception ignored) {
        // treated as EOF
      }
      Runtime.getRuntime().halt(3);
    });
    // A bound of our own too, in case a role hangs (the driver has the same bound and reports).
    long hardMs = (long) (plan.getDouble("hard_timeout_s") * 1000);
    daemon(() -> {
      try {
        Thread.sleep(hardMs);
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("SoakClient: roles still running after " + hardMs + " ms:");
      for (Role r : roles) {
        if (!r.finished) {
          System.err.println("  " + r.spec.encode() + " count=" + r.count);
        }
      }
      Runtime.getRuntime().halt(4);
    });

    List<Thread> threads = new ArrayList<>();
    for (Role r : roles) {
      r.deadline = deadline;
      Thread t = new Thread(r, "role-" + r.spec.getInteger("id"));
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    JsonArray results = new JsonArray();
    for (Role r : roles) {
      results.add(r.result());
    }
    Files.writeString(Path.of(outPath), new JsonObject().put("worker", plan.getString("worker"))
      .put("roles", results).encode());
    for (ChannelGrpcClient c : clients) {
      c.close();
    }
    System.out.println("done");
    System.out.flush();
    System.exit(0);
  }

  private static void daemon(Runnable body) {
    Thread t = new Thread(body);
    t.setDaemon(true);
    t.start();
  }

  static int padLen(long producer, long seq, int padMax) {
    return (int) ((seq * 7919L + producer * 31L) % (padMax + 1));
  }

  static byte[] pad(long seq, int len) {
    byte[] p = new byte[len];
    for (int i = 0; i < len; i++) {
      p[i] = (byte) ((seq + i) & 0xff);
    }
    return p;
  }

  /** One producer or consumer of one channel, on its own thread. */
  abstract static class Role implements Runnable {
    final JsonObject spec;
    final RemoteChannel ch;
    final boolean term;
    final int channel;
    final int padMax;
    final long timeoutMs;
    volatile long deadline;
    volatile boolean finished;
    volatile long count;
    long bytes;
    String error;
    String endedBy;

    Role(JsonObject spec, RemoteChannel ch) {
      this.spec = spec;
      this.ch = ch;
      this.term = spec.getString("kind").equals("term");
      this.channel = spec.getInteger("channel");
      this.padMax = spec.getInteger("pad_max");
      this.timeoutMs = spec.getLong("timeout_ms");
    }

    @Override
    public final void run() {
      try {
        body();
      } catch (Throwable t) {
        error = t.toString();
      } finally {
        finished = true;
      }
    }

    abstract void body() throws Exception;

    JsonObject result() {
      return new JsonObject().put("id", spec.getInteger("id")).put("role", spec.getString("role"))
        .put("channel", channel).put("count", count).put("bytes", bytes)
        .put("ended_by", endedBy).put("error", error);
    }
  }

  static final class Producer extends Role {
    final int pid;
    final boolean nowait;
    final long maxMessages;
    final boolean closer;
    long busy;
    long sendTimeouts;
    long unconfirmedOnClose;

    Producer(JsonObject spec, RemoteChannel ch) {
      super(spec, ch);
      this.pid = spec.getInteger("id");
      this.nowait = spec.getString("mode").equals("nowait");
      this.maxMessages = spec.getLong("max_messages");
      this.closer = spec.getBoolean("closer");
    }

    byte[] message(long seq) {
      byte[] pad = pad(seq, padLen(pid, seq, padMax));
      if (term) {
        return Etf.encodeToBytes(Term.tuple(Term.atom("soak"), Term.integer(pid), Term.integer(channel),
          Term.integer(seq), Term.binary(pad)));
      }
      return ByteBuffer.allocate(HEADER + pad.length).put(MAGIC).putInt(pid).putInt(channel).putLong(seq)
        .put(pad).array();
    }

    @Override
    void body() throws Exception {
      try {
        long seq = 0;
        // The sequence number advances only on OK: a BUSY or timed-out send enqueued nothing
        // (S-SEND-2, S-EXT-SENDWAIT), so the same number is offered again. Were such a send
        // enqueued anyway, the driver would see it twice (or as never acknowledged).
        while (seq < maxMessages && System.nanoTime() < deadline) {
          byte[] p = message(seq);
          SendResult r = null;
          if (nowait) {
            try {
              r = ch.send(p);
            } catch (UnconfirmedSendsException e) {
              seq = unconfirmed(e, seq);
              return;
            }
            if (r == SendResult.BUSY) {
              busy++;
              r = null; // wait for room (event-driven) rather than retrying in a loop
            }
          }
          if (r == null) {
            try {
              r = ch.send(p, timeoutMs);
            } catch (ChannelTimeoutException e) {
              sendTimeouts++;
              continue;
            } catch (UnconfirmedSendsException e) {
              seq = unconfirmed(e, seq);
              return;
            }
          }
          if (r == SendResult.OK) {
            seq++;
            count = seq;
            bytes += p.length;
          } else if (r == SendResult.CLOSED) {
            // Only the channel's closer closes, and only after the deadline: fine for a
            // co-producer, a failure for the closer itself (the driver checks).
            endedBy = "closed";
            return;
          } else {
            throw new IllegalStateException("unexpected send result " + r);
          }
        }
        // An OK send may have been pipelined into reserved room (S-EXT-RESERVE): only the flush
        // says whether it was enqueued, or whether the closer closed the channel first.
        try {
          ch.flush();
        } catch (UnconfirmedSendsException e) {
          seq = unconfirmed(e, seq);
          return;
        }
        endedBy = seq >= maxMessages ? "count" : "deadline";
      } finally {
        if (closer) {
          // The closer keeps the channel open until the deadline, so that co-producers (other
          // processes) can send until then; then close-and-drain: consumers get the rest, then closed.
          long left = deadline - System.nanoTime();
          if (left > 0 && error == null) {
            Thread.sleep(left / 1_000_000L + 1);
          }
          ch.close();
        }
      }
    }

    /**
     * Sends reported OK that the server could not enqueue because the channel was closed before
     * they arrived (S-EXT-RESERVE): they are the last ones sent (nothing after a close is
     * enqueued), so this producer's count ends before them and the driver expects none of them.
     * A broken stream (they may or may not be enqueued) is a failure of the run.
     */
    long unconfirmed(UnconfirmedSendsException e, long seq) {
      if (!e.closed()) {
        throw e;
      }
      long enqueued = seq - e.messages().size();
      for (int i = 0; i < e.messages().size(); i++) {
        bytes -= e.messages().get(i).length;
      }
      count = enqueued;
      unconfirmedOnClose += e.messages().size();
      endedBy = "closed";
      return enqueued;
    }

    @Override
    JsonObject result() {
      return super.result().put("busy", busy).put("send_timeouts", sendTimeouts)
        .put("unconfirmed_on_close", unconfirmedOnClose);
    }
  }

  static final class Consumer extends Role {
    final String mode;
    final Set<Integer> producers = new HashSet<>();
    final int pauseEvery;
    final long pauseMs;
    final int windowMessages;
    final long windowBytes;
    final Map<Integer, Long> last = new HashMap<>();
    final Map<Integer, List<long[]>> runs = new HashMap<>();
    long orderViolations;
    long corrupt;
    long recvTimeouts;
    long streams;
    final JsonArray examples = new JsonArray();

    Consumer(JsonObject spec, RemoteChannel ch) {
      super(spec, ch);
      this.mode = spec.getString("mode");
      for (Object p : spec.getJsonArray("producers")) {
        producers.add((Integer) p);
      }
      this.pauseEvery = spec.getInteger("pause_every", 0);
      this.pauseMs = spec.getLong("pause_ms", 0L);
      this.windowMessages = spec.getInteger("window_messages", 64);
      this.windowBytes = spec.getLong("window_bytes", 1L << 20);
    }

    @Override
    void body() throws Exception {
      switch (mode) {
        case "stream":
          // RemoteStream: push with credit (S-EXT-CREDIT); next() returns null once closed and
          // drained (S-CLOSE-4).
          streams++;
          try (RemoteStream s = ch.stream(windowMessages, windowBytes)) {
            while (true) {
              byte[] p;
              try {
                p = s.next(timeoutMs);
              } catch (ChannelTimeoutException e) {
                recvTimeouts++;
                continue;
              }
              if (p == null) {
                break;
              }
              handle(p);
            }
          }
          break;
        case "receive":
        case "try":
          // Unary receives: blocking with a timeout (S-RECV-3), or try first (S-RECV-1).
          while (true) {
            ReceiveResult r = mode.equals("try") ? ch.tryReceive() : null;
            if (r == null || r.isEmpty()) {
              try {
                r = ch.receive(timeoutMs);
              } catch (ChannelTimeoutException e) {
                recvTimeouts++;
                continue;
              }
            }
            if (r.isClosed()) {
              break;
            }
            handle(r.payload().getBytes());
          }
          break;
        default:
          throw new IllegalArgumentException("unknown consumer mode " + mode);
      }
      endedBy = "closed";
    }

    void handle(byte[] p) throws InterruptedException {
      count++;
      bytes += p.length;
      long producer;
      long chan;
      long seq;
      byte[] body;
      try {
        if (term) {
          ErlTuple t = (ErlTuple) Etf.decode(p);
          if (t.arity() != 5 || !((Atom) t.get(0)).name().equals("soak")) {
            throw new IllegalArgumentException("not a soak tuple");
          }
          producer = ((ErlInteger) t.get(1)).longValue();
          chan = ((ErlInteger) t.get(2)).longValue();
          seq = ((ErlInteger) t.get(3)).longValue();
          body = ((ErlBinary) t.get(4)).bytes();
        } else {
          ByteBuffer b = ByteBuffer.wrap(p);
          byte[] magic = new byte[4];
          b.get(magic);
          if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IllegalArgumentException("bad magic");
          }
          producer = b.getInt() & 0xffffffffL;
          chan = b.getInt() & 0xffffffffL;
          seq = b.getLong();
          body = new byte[b.remaining()];
          b.get(body);
        }
      } catch (RuntimeException e) {
        bad("undecodable message of " + p.length + " bytes: " + e);
        return;
      }
      if (chan != channel || !producers.contains((int) producer)
        || !java.util.Arrays.equals(body, pad(seq, padLen(producer, seq, padMax)))) {
        bad("wrong content: producer " + producer + " channel " + chan + " seq " + seq
          + " padding " + body.length + " bytes");
        return;
      }
      int pid = (int) producer;
      Long prev = last.get(pid);
      if (prev != null && seq <= prev) {
        // FIFO (S-RECV-4): one consumer sees each producer's messages in increasing order.
        orderViolations++;
        if (examples.size() < MAX_EXAMPLES) {
          examples.add("order: producer " + pid + " seq " + seq + " after " + prev);
        }
      }
      last.put(pid, seq);
      // Run-length record of the sequence numbers received, for the driver's exactly-once check.
      List<long[]> r = runs.computeIfAbsent(pid, k -> new ArrayList<>());
      long[] tail = r.isEmpty() ? null : r.get(r.size() - 1);
      if (tail != null && tail[1] == seq) {
        tail[1] = seq + 1;
      } else {
        r.add(new long[] {seq, seq + 1});
      }
      if (pauseEvery > 0 && count % pauseEvery == 0) {
        Thread.sleep(pauseMs); // a slow consumer, so that senders wait and time out
      }
    }

    void bad(String what) {
      corrupt++;
      if (examples.size() < MAX_EXAMPLES) {
        examples.add(what);
      }
    }

    @Override
    JsonObject result() {
      JsonObject rs = new JsonObject();
      runs.forEach((pid, list) -> {
        JsonArray a = new JsonArray();
        for (long[] x : list) {
          a.add(new JsonArray().add(x[0]).add(x[1]));
        }
        rs.put(String.valueOf(pid), a);
      });
      return super.result().put("runs", rs).put("order_violations", orderViolations)
        .put("corrupt", corrupt).put("examples", examples).put("recv_timeouts", recvTimeouts)
        .put("streams", streams);
    }
  }
}
