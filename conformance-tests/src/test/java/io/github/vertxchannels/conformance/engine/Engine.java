package io.github.vertxchannels.conformance.engine;

import io.github.vertxchannels.etf.Etf;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The Java engine: interprets a case's steps on one surface (or, for a cross-language case, on
 * one surface per role) and judges every answer against the catalogue. Surfaces only map steps
 * to API calls; every decision about what is right is taken here, once, for all of them.
 */
public final class Engine implements AutoCloseable {

  /** The verdict on one case on one surface. */
  public record Result(String row, String column, String status, String detail, long millis,
                       List<String> rules) {

    /** @return true when it passed */
    public boolean passed() {
      return status.equals("pass");
    }
  }

  /** Converts canonical Erlang text to the canonical text of the Python value it maps to. */
  public interface PyView {
    /** @return the canonical text of the Python value contract section 6 maps the term to */
    String pyview(String canon);
  }

  /** A case that could not pass, with the step where it stopped. */
  static final class StepFailure extends RuntimeException {
    StepFailure(String message) {
      super(message, null, false, false);
    }
  }

  private static final long CASE_TIMEOUT_MS = 90_000;
  private static final long DEFAULT_WITHIN_MS = 5_000;

  private final Catalogue catalogue;
  private final ErlVectors vectors;
  private final Messages messages;
  private final Function<String, BlockingQueue<byte[]>> addressProbe;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "conformance-step");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param addressProbe given an event-bus address, starts consuming it and returns what arrives
   *     (S-EXT-REPLY); null where no event bus is at hand
   */
  public Engine(Catalogue catalogue, ErlVectors vectors, Function<String, BlockingQueue<byte[]>> addressProbe) {
    this.catalogue = catalogue;
    this.vectors = vectors;
    this.messages = new Messages(vectors);
    this.addressProbe = addressProbe;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------
  // What a catalogue needs from erl, and from a surface

  /** @return every Erlang expression the behaviour and cross-language cases need */
  public static Set<String> expressions(Catalogue catalogue) {
    Set<String> out = new LinkedHashSet<>();
    List<Catalogue.Case> cases = new ArrayList<>(catalogue.channelCases());
    cases.addAll(catalogue.crossCases());
    for (Catalogue.Case c : cases) {
      for (String kind : c.kinds()) {
        collectSteps(catalogue, c.steps(), kind, out);
      }
    }
    return out;
  }

  private static void collectSteps(Catalogue catalogue, JsonArray steps, String kind, Set<String> out) {
    for (Object o : steps) {
      JsonObject step = (JsonObject) o;
      String k = step.getString("kind", kind);
      if (step.containsKey("msg")) {
        Messages.collect(step.getValue("msg"), k, out);
      }
      Object expect = step.getValue("expect");
      if (expect instanceof JsonArray a) {
        a.forEach(s -> Messages.collect(s, k, out));
      } else if (expect instanceof JsonObject e && e.containsKey("msg")) {
        Messages.collect(e.getValue("msg"), k, out);
      }
      for (String key : new String[] {"msgs", "expect_interleaving"}) {
        if (step.containsKey(key)) {
          step.getJsonArray(key).forEach(s -> Messages.collect(s, k, out));
        }
      }
      if (step.containsKey("seq")) {
        Messages.expandSeq(step.getJsonObject("seq")).forEach(s -> Messages.collect(s, k, out));
      }
      if (step.containsKey("values")) {
        out.addAll(catalogue.valueSet(step.getString("values")));
      }
      if (step.containsKey("steps")) {
        collectSteps(catalogue, step.getJsonArray("steps"), kind, out);
      }
    }
  }

  /** @return the capabilities a case needs for a kind, beyond creating, sending and receiving */
  public static Set<String> needs(Catalogue.Case c, String kind) {
    Set<String> needs = new LinkedHashSet<>(c.needs());
    collectNeeds(c.steps(), kind, needs);
    return needs;
  }

  private static void collectNeeds(JsonArray steps, String kind, Set<String> needs) {
    for (Object o : steps) {
      JsonObject step = (JsonObject) o;
      if ("term".equals(step.getString("kind", kind)) && Messages.isRaw(step.getValue("msg"))) {
        needs.add(Surface.RAW_TERM_PAYLOAD);
      }
      if ("break_connection".equals(step.getString("op"))) {
        needs.add(Surface.BREAK_CONNECTION);
      }
      if (step.containsKey("steps")) {
        collectNeeds(step.getJsonArray("steps"), kind, needs);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Running a case

  /**
   * Runs one case for one kind.
   *
   * @param column the table column (the surface, or the pair of surfaces of a cross case)
   * @param roles the surface of each role of the case ({@code default} for a behaviour case)
   */
  public Result run(Catalogue.Case c, String kind, String column, Map<String, Surface> roles) {
    String row = c.row(kind);
    for (String need : needs(c, kind)) {
      for (Surface s : roles.values()) {
        String why = s.cannot(need);
        if (why != null) {
          return new Result(row, column, "skip", s.name() + ": " + why, 0, c.rules());
        }
      }
    }
    long t0 = System.nanoTime();
    Run run = new Run(c, kind, roles);
    Future<?> f = pool.submit(() -> {
      run.steps(c.steps(), "");
      return null;
    });
    String failure = null;
    try {
      f.get(CASE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      failure = "the case did not finish within " + CASE_TIMEOUT_MS / 1000 + " s (at step " + run.at + ")";
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      failure = cause instanceof StepFailure ? "step " + run.at + ": " + cause.getMessage()
          : "step " + run.at + ": " + cause;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted";
    } finally {
      run.cleanUp();
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    return failure == null ? new Result(row, column, "pass", null, ms, c.rules())
        : new Result(row, column, "fail", failure, ms, c.rules());
  }

  /** An asynchronous step in flight. */
  private record AsyncOp(Future<Outcome> future, Runnable cancel, Surface receiver, String kind) {
  }

  /** The state of one case while it runs. */
  private final class Run {
    final Catalogue.Case c;
    final String kind;
    final Map<String, Surface> roles;
    final String defaultRole;
    final Map<String, String> ids = new HashMap<>();
    final Map<String, String> kinds = new HashMap<>();
    final Map<String, Surface.Chan> handles = new HashMap<>();
    final Map<String, Surface.Chan> creators = new HashMap<>();
    final Map<String, AsyncOp> ops = new HashMap<>();
    final Map<String, Outcome> stored = new HashMap<>();
    final Map<String, Surface.Iter> iters = new HashMap<>();
    final Map<String, BlockingQueue<byte[]>> probes = new HashMap<>();
    volatile String at = "0";

    Run(Catalogue.Case c, String kind, Map<String, Surface> roles) {
      this.c = c;
      this.kind = kind;
      this.roles = roles;
      this.defaultRole = c.roles().get(0);
    }

    void steps(JsonArray steps, String prefix) {
      int i = 0;
      for (Object o : steps) {
        i++;
        JsonObject step = (JsonObject) o;
        at = prefix + i + " (" + step.getString("op") + ")";
        step(step, prefix + i + ".");
      }
    }

    String role(JsonObject step) {
      String r = step.getString("by", defaultRole);
      if (!roles.containsKey(r)) {
        throw new StepFailure("no surface for role " + r);
      }
      return r;
    }

    Surface surface(JsonObject step) {
      return roles.get(role(step));
    }

    Surface.Chan chan(JsonObject step) {
      String name = step.getString("ch", "ch");
      String role = role(step);
      Surface.Chan h = handles.get(role + "/" + name);
      if (h != null) {
        return h;
      }
      String id = ids.get(name);
      if (id == null) {
        throw new StepFailure("no channel named " + name);
      }
      try {
        h = roles.get(role).attach(id, kinds.get(name), false);
      } catch (OutcomeException e) {
        throw new StepFailure("attaching " + roles.get(role).name() + " to channel " + name + " answered " + e.outcome());
      }
      handles.put(role + "/" + name, h);
      return h;
    }

    String kindOf(JsonObject step) {
      return kinds.getOrDefault(step.getString("ch", "ch"), kind);
    }

    void step(JsonObject step, String prefix) {
      String op = step.getString("op");
      switch (op) {
        case "new" -> create(step);
        case "attach" -> attach(step);
        case "end_creator" -> {
          Surface.Chan creator = creators.remove(step.getString("of", "ch"));
          if (creator == null) {
            throw new StepFailure("channel " + step.getString("of", "ch") + " has no separate creator");
          }
          creator.endCreator();
          handles.values().remove(creator);
        }
        case "sleep" -> sleep(step.getLong("ms"));
        case "repeat" -> {
          for (int i = 0; i < step.getInteger("times"); i++) {
            steps(step.getJsonArray("steps"), prefix + "#" + (i + 1) + ".");
          }
        }
        case "await" -> awaitOp(step);
        case "pending" -> {
          AsyncOp a = op(step);
          if (a.future().isDone()) {
            throw new StepFailure("operation " + step.getString("id") + " should still be waiting, but answered "
                + describe(getNow(a.future())));
          }
        }
        case "cancel" -> op(step).cancel().run();
        case "wait_until" -> waitUntil(step);
        case "drain" -> drain(step);
        case "expect_conserved" -> conserved(step);
        case "check_ids" -> checkIds(step);
        case "iter_open" -> {
          Surface.Chan ch = chan(step);
          iters.put(step.getString("id"), ch.iterOpen(step.getInteger("window"), "new".equals(step.getString("connection"))));
        }
        case "iter_next" -> {
          Outcome got = iter(step).next(step.getLong("within_ms", DEFAULT_WITHIN_MS));
          check(step.getValue("expect"), got, kindOf(step), surface(step));
          store(step, got);
        }
        case "iter_close" -> iter(step).close();
        case "break_connection" -> iter(step).breakConnection();
        case "send_to_address" -> sendToAddress(step);
        case "address_received" -> addressReceived(step);
        case "send_values" -> {
          Surface.Chan ch = chan(step);
          for (String v : catalogue.valueSet(step.getString("values"))) {
            JsonObject spec = new JsonObject().put("value", v);
            Outcome got = ch.send(messages.resolve(spec, "term"));
            if (!got.status().equals("ok")) {
              throw new StepFailure("sending " + v + " answered " + got);
            }
          }
        }
        case "receive_values" -> {
          Surface.Chan ch = chan(step);
          for (String v : catalogue.valueSet(step.getString("values"))) {
            Outcome got = ch.receive(2000);
            JsonObject expect = new JsonObject().put("msg", new JsonObject().put("value", v));
            check(expect, got, "term", surface(step));
          }
        }
        case "api_check" -> throw new StepFailure(surface(step).name() + " has no check " + step.getString("check"));
        default -> operation(step);
      }
    }

    /** The steps that call one channel operation, synchronously or as an asynchronous step. */
    void operation(JsonObject step) {
      Surface.Chan ch = chan(step);
      Surface surface = surface(step);
      String k = kindOf(step);
      String op = step.getString("op");
      java.util.concurrent.Callable<Outcome> call;
      Runnable cancel = () -> { };
      switch (op) {
        case "send" -> {
          Payload p = messages.resolve(step.getValue("msg"), k);
          call = () -> ch.send(p);
        }
        case "send_wait" -> {
          Payload p = messages.resolve(step.getValue("msg"), k);
          long t = step.getLong("timeout");
          call = () -> ch.sendWait(p, t);
        }
        case "send_seq" -> {
          List<Payload> ps = new ArrayList<>();
          for (Object s : Messages.expandSeq(step.getJsonObject("seq"))) {
            ps.add(messages.resolve(s, k));
          }
          String expect = step.getString("expect", "ok");
          call = () -> {
            for (Payload p : ps) {
              Outcome got = ch.send(p);
              if (!got.status().equals(expect)) {
                return Outcome.of(got.status(), "at message " + (ps.indexOf(p) + 1) + ": " + got);
              }
            }
            return Outcome.of(expect);
          };
        }
        case "try_receive" -> call = ch::tryReceive;
        case "receive" -> {
          long t = step.getLong("timeout", -1L);
          if (step.getBoolean("cancellable", false)) {
            Surface.Pending pending = ch.receiveCancellable(t);
            call = () -> pending.await(Long.MAX_VALUE / 4);
            cancel = pending::cancel;
          } else {
            call = () -> ch.receive(t);
          }
        }
        case "close" -> call = ch::close;
        case "info" -> call = ch::info;
        case "iterate" -> {
          String style = step.getString("style", "sync");
          long within = step.getLong("within_ms", DEFAULT_WITHIN_MS);
          call = () -> ch.iterate(style, within);
        }
        default -> throw new StepFailure("unknown step op " + op);
      }
      Object expect = step.getValue("expect");
      if (expect == null && !op.equals("info") && !op.equals("iterate") && !op.equals("try_receive")
          && !op.equals("receive")) {
        expect = "ok";
      }
      if (step.containsKey("async")) {
        ops.put(step.getString("async"), new AsyncOp(pool.submit(call), cancel, surface, k));
        return;
      }
      long t0 = System.nanoTime();
      Outcome got;
      try {
        got = call.call();
      } catch (Exception e) {
        got = Outcome.error(e);
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      if (op.equals("info")) {
        checkInfo(step.getJsonObject("expect", new JsonObject()), got);
      } else if (op.equals("iterate") && step.containsKey("expect_interleaving")) {
        checkInterleaving(step.getJsonArray("expect_interleaving"), got, k);
      } else {
        check(expect, got, k, surface);
      }
      timing(step, ms);
      store(step, got);
    }

    void timing(JsonObject step, long ms) {
      if (step.containsKey("min_ms") && ms < step.getLong("min_ms")) {
        throw new StepFailure("answered after " + ms + " ms, expected at least " + step.getLong("min_ms") + " ms");
      }
      if (step.containsKey("max_ms") && ms > step.getLong("max_ms")) {
        throw new StepFailure("answered after " + ms + " ms, expected at most " + step.getLong("max_ms") + " ms");
      }
    }

    void store(JsonObject step, Outcome got) {
      if (step.containsKey("store")) {
        stored.put(step.getString("store"), got);
      }
    }

    void create(JsonObject step) {
      Surface s = surface(step);
      String name = step.getString("as", "ch");
      String k = step.getString("kind", kind);
      boolean separate = "separate".equals(step.getString("creator"));
      String expect = step.getString("expect", "ok");
      Surface.Chan ch;
      try {
        ch = s.create(k, step.getLong("max_size", 0L), separate);
      } catch (OutcomeException e) {
        if (!e.outcome().status().equals(expect)) {
          throw new StepFailure("new answered " + e.outcome() + ", expected " + expect);
        }
        return;
      }
      ids.put(name, ch.id());
      kinds.put(name, k);
      handles.put(role(step) + "/" + name, ch);
      if (separate) {
        creators.put(name, ch);
      }
      if (!expect.equals("ok")) {
        throw new StepFailure("new answered a channel, expected " + expect);
      }
    }

    void attach(JsonObject step) {
      Surface s = surface(step);
      String name = step.getString("as");
      String of = step.getString("of");
      String id = step.containsKey("id") ? step.getString("id") : ids.get(of);
      if (id == null) {
        throw new StepFailure("no channel named " + of);
      }
      if (step.getBoolean("mutate_id", false)) {
        char last = id.charAt(id.length() - 1);
        id = id.substring(0, id.length() - 1) + (last == 'A' ? 'B' : 'A');
      }
      String base = of != null ? kinds.getOrDefault(of, kind) : kind;
      String k = switch (step.getString("kind", "same")) {
        case "same" -> base;
        case "other" -> base.equals("term") ? "bytes" : "term";
        default -> step.getString("kind");
      };
      String expect = step.getString("expect", "ok");
      try {
        Surface.Chan ch = s.attach(id, k, "new".equals(step.getString("connection")));
        if (!expect.equals("ok")) {
          throw new StepFailure("attach answered a channel, expected " + expect);
        }
        ids.put(name, id);
        kinds.put(name, k);
        handles.put(role(step) + "/" + name, ch);
      } catch (OutcomeException e) {
        if (!e.outcome().status().equals(expect)) {
          throw new StepFailure("attach answered " + e.outcome() + ", expected " + expect);
        }
      }
    }

    AsyncOp op(JsonObject step) {
      AsyncOp a = ops.get(step.getString("id"));
      if (a == null) {
        throw new StepFailure("no operation named " + step.getString("id"));
      }
      return a;
    }

    Surface.Iter iter(JsonObject step) {
      Surface.Iter it = iters.get(step.getString("id"));
      if (it == null) {
        throw new StepFailure("no iterator named " + step.getString("id"));
      }
      return it;
    }

    void awaitOp(JsonObject step) {
      AsyncOp a = op(step);
      long within = step.getLong("within_ms", DEFAULT_WITHIN_MS);
      Outcome got;
      try {
        got = a.future().get(within, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new StepFailure("operation " + step.getString("id") + " did not answer within " + within + " ms");
      } catch (ExecutionException e) {
        got = Outcome.error(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StepFailure("interrupted");
      }
      Object expect = step.getValue("expect");
      if (expect == null && !step.containsKey("store")) {
        expect = "ok";
      }
      check(expect, got, a.kind(), a.receiver());
      store(step, got);
    }

    void waitUntil(JsonObject step) {
      Surface.Chan ch = chan(step);
      JsonObject want = step.getJsonObject("info");
      long deadline = System.nanoTime() + step.getLong("within_ms", DEFAULT_WITHIN_MS) * 1_000_000;
      Outcome got;
      String mismatch;
      do {
        got = ch.info();
        mismatch = infoMismatch(want, got);
        if (mismatch == null) {
          return;
        }
        sleep(5);
      } while (System.nanoTime() < deadline);
      throw new StepFailure("info never matched " + want.encode() + " within "
          + step.getLong("within_ms", DEFAULT_WITHIN_MS) + " ms: " + mismatch);
    }

    void drain(JsonObject step) {
      Surface.Chan ch = chan(step);
      String k = kindOf(step);
      List<Object> expected = Messages.expandList(step.getJsonArray("expect"));
      List<Outcome> got = new ArrayList<>();
      Outcome last;
      int limit = expected.size() + 5;
      while (true) {
        last = ch.tryReceive();
        if (!last.isMessage() || got.size() >= limit) {
          break;
        }
        got.add(last);
      }
      List<Object> prefix = Messages.expandList(step.getJsonArray("may_start_with", new JsonArray()));
      if (!prefix.isEmpty() && got.size() == expected.size() + prefix.size()) {
        boolean redelivered = true;
        for (int i = 0; i < prefix.size(); i++) {
          redelivered &= payloadMismatch(prefix.get(i), got.get(i), k, surface(step)) == null;
        }
        if (redelivered) {
          got = new ArrayList<>(got.subList(prefix.size(), got.size())); // allowed: redelivered at least once
        }
      }
      if (got.size() != expected.size()) {
        throw new StepFailure("drained " + got.size() + " messages, expected " + expected.size() + ": " + got);
      }
      for (int i = 0; i < got.size(); i++) {
        String m = payloadMismatch(expected.get(i), got.get(i), k, surface(step));
        if (m != null) {
          throw new StepFailure("drained message " + (i + 1) + ": " + m);
        }
      }
      String then = step.getString("then");
      if (then != null && !last.status().equals(then)) {
        throw new StepFailure("after draining, try_receive answered " + last + ", expected " + then);
      }
    }

    void conserved(JsonObject step) {
      Surface.Chan ch = chan(step);
      String k = kindOf(step);
      List<String> expected = new ArrayList<>();
      for (Object s : Messages.expandList(step.getJsonArray("msgs"))) {
        expected.add(HexFormat.of().formatHex(messages.resolve(s, k).bytes()));
      }
      List<String> got = new ArrayList<>();
      for (Object name : step.getJsonArray("received", new JsonArray())) {
        Outcome o = stored.get((String) name);
        if (o == null) {
          throw new StepFailure("nothing stored as " + name);
        }
        if (o.isMessage()) {
          got.add(HexFormat.of().formatHex(o.payload()));
        } else if (!Set.of("cancelled", "timeout", "empty", "closed").contains(o.status())) {
          throw new StepFailure(name + " answered " + o);
        }
      }
      long deadline = System.nanoTime() + step.getLong("within_ms", DEFAULT_WITHIN_MS) * 1_000_000;
      while (got.size() < expected.size() && System.nanoTime() < deadline) {
        Outcome o = ch.tryReceive();
        if (o.isMessage()) {
          got.add(HexFormat.of().formatHex(o.payload()));
        } else if (o.status().equals("empty")) {
          sleep(10); // a message given back by a cancelled receive may still be on its way
        } else {
          throw new StepFailure("try_receive answered " + o);
        }
      }
      Outcome after = ch.tryReceive();
      if (after.isMessage()) {
        got.add(HexFormat.of().formatHex(after.payload()));
      }
      List<String> e = new ArrayList<>(expected);
      List<String> g = new ArrayList<>(got);
      e.sort(null);
      g.sort(null);
      if (!e.equals(g)) {
        throw new StepFailure("messages not conserved: expected exactly " + expected.size() + " ("
            + abbreviate(expected) + "), received or still queued " + got.size() + " (" + abbreviate(got) + ")");
      }
    }

    void checkIds(JsonObject step) {
      Surface s = surface(step);
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < step.getInteger("count"); i++) {
        try {
          Surface.Chan ch = s.create(kind, 0, false);
          if (ch.id().length() < 22) {
            throw new StepFailure("id " + ch.id() + " is too short to hold 128 random bits");
          }
          if (!seen.add(ch.id())) {
            throw new StepFailure("id " + ch.id() + " was given twice");
          }
          ch.close();
        } catch (OutcomeException e) {
          throw new StepFailure("new answered " + e.outcome());
        }
      }
    }

    void sendToAddress(JsonObject step) {
      Surface s = surface(step);
      String address = io.github.vertxchannels.Channels.replyAddress(); // clients may only reach reply addresses
      if (addressProbe != null) {
        probes.put("last", addressProbe.apply(address));
      }
      Outcome got = s.sendToAddress(address, messages.resolve(step.getValue("msg"), kind));
      check(step.getValue("expect", "ok"), got, kind, s);
    }

    void addressReceived(JsonObject step) {
      BlockingQueue<byte[]> q = probes.get("last");
      if (q == null) {
        throw new StepFailure("no event-bus consumer to check (the engine has no event bus)");
      }
      byte[] b;
      try {
        b = q.poll(step.getLong("within_ms", DEFAULT_WITHIN_MS), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StepFailure("interrupted");
      }
      check(step.getValue("expect"), b == null ? Outcome.of("timeout") : Outcome.message(b), kind, surface(step));
    }

    void cleanUp() {
      for (Surface.Iter it : iters.values()) {
        try {
          it.close();
        } catch (RuntimeException ignored) {
          // best effort
        }
      }
      for (AsyncOp a : ops.values()) {
        if (!a.future().isDone()) {
          try {
            a.cancel().run();
          } catch (RuntimeException ignored) {
            // best effort
          }
        }
      }
      // Closing the channels wakes whatever still waits on them.
      for (Surface.Chan h : handles.values()) {
        try {
          h.close();
        } catch (RuntimeException ignored) {
          // best effort
        }
      }
      for (Surface.Chan creator : creators.values()) {
        try {
          creator.endCreator();
        } catch (RuntimeException ignored) {
          // best effort
        }
      }
      for (AsyncOp a : ops.values()) {
        try {
          a.future().get(2, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          a.future().cancel(true);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Judging answers

  void check(Object expect, Outcome got, String kind, Surface receiver) {
    if (expect == null) {
      if (Set.of("error", "unsupported").contains(got.status())) {
        throw new StepFailure("answered " + got);
      }
      return;
    }
    if (expect instanceof String s) {
      boolean ok = s.equals("message") ? got.isMessage() : s.equals(got.status());
      if (!ok) {
        throw new StepFailure("answered " + describe(got) + ", expected " + s);
      }
      return;
    }
    if (expect instanceof JsonObject o && o.containsKey("msg")) {
      String m = payloadMismatch(o.getValue("msg"), got, kind, receiver);
      if (m != null) {
        throw new StepFailure(m);
      }
      return;
    }
    if (expect instanceof JsonArray a) {
      if (!"messages".equals(got.status())) {
        throw new StepFailure("answered " + describe(got) + ", expected the messages " + a.encode());
      }
      List<Object> specs = Messages.expandList(a);
      if (specs.size() != got.items().size()) {
        throw new StepFailure("yielded " + got.items().size() + " messages, expected " + specs.size() + ": " + describe(got));
      }
      for (int i = 0; i < specs.size(); i++) {
        String m = payloadMismatch(specs.get(i), got.items().get(i), kind, receiver);
        if (m != null) {
          throw new StepFailure("message " + (i + 1) + ": " + m);
        }
      }
      return;
    }
    throw new StepFailure("cannot judge against " + expect);
  }

  private String payloadMismatch(Object spec, Outcome got, String kind, Surface receiver) {
    if (!got.isMessage()) {
      return "answered " + describe(got) + ", expected a message";
    }
    if (Messages.isValue(spec)) {
      String expr = ((JsonObject) spec).getString("value");
      String canon = vectors.mv2(expr).canon();
      if ("python".equals(receiver.language())) {
        String want = ((PyView) receiver).pyview(canon);
        return Objects.equals(want, got.pyCanon()) ? null
            : "Python received " + Outcome.abbreviate(String.valueOf(got.pyCanon())) + ", expected the value of "
              + expr + ": " + Outcome.abbreviate(want);
      }
      String have;
      try {
        have = Canonical.of(Etf.decode(got.payload()));
      } catch (RuntimeException e) {
        return "received bytes that do not decode: " + e.getMessage();
      }
      return have.equals(canon) ? null
          : "received " + Outcome.abbreviate(have) + ", expected " + expr + " = " + Outcome.abbreviate(canon);
    }
    byte[] want = messages.resolve(spec, kind).bytes();
    if (java.util.Arrays.equals(want, got.payload())) {
      return null;
    }
    return "received " + describe(got) + ", expected " + describe(Outcome.message(want)) + " (" + specText(spec) + ")";
  }

  private static String specText(Object spec) {
    return spec instanceof String s ? "\"" + s + "\"" : spec instanceof JsonObject o ? o.encode() : String.valueOf(spec);
  }

  private static String infoMismatch(JsonObject want, Outcome got) {
    if (got.info() == null) {
      return "info answered " + got;
    }
    for (String key : want.fieldNames()) {
      Object w = want.getValue(key);
      if (key.equals("messages_at_least")) {
        long have = ((Number) got.info().get("messages")).longValue();
        if (have < ((Number) w).longValue()) {
          return "messages = " + have + ", expected at least " + w;
        }
        continue;
      }
      Object have = got.info().get(key);
      boolean equal = w instanceof Number n ? have instanceof Number h && h.longValue() == n.longValue() : w.equals(have);
      if (!equal) {
        return key + " = " + have + ", expected " + w + " (info " + got.info() + ")";
      }
    }
    return null;
  }

  private void checkInfo(JsonObject want, Outcome got) {
    String m = infoMismatch(want, got);
    if (m != null) {
      throw new StepFailure(m);
    }
  }

  private void checkInterleaving(JsonArray seqs, Outcome got, String kind) {
    if (!"messages".equals(got.status())) {
      throw new StepFailure("answered " + describe(got) + ", expected messages");
    }
    List<List<String>> lanes = new ArrayList<>();
    Map<String, int[]> where = new HashMap<>();
    int total = 0;
    for (Object o : seqs) {
      List<String> lane = new ArrayList<>();
      for (Object s : Messages.expandList(new JsonArray().add(o))) {
        String hex = HexFormat.of().formatHex(messages.resolve(s, kind).bytes());
        where.put(hex, new int[] {lanes.size(), lane.size()});
        lane.add(hex);
      }
      lanes.add(lane);
      total += lane.size();
    }
    int[] next = new int[lanes.size()];
    for (Outcome o : got.items()) {
      int[] w = where.get(HexFormat.of().formatHex(o.payload()));
      if (w == null) {
        throw new StepFailure("received an unexpected message " + o);
      }
      if (w[1] != next[w[0]]) {
        throw new StepFailure("producer " + (w[0] + 1) + "'s message " + (w[1] + 1) + " came when its message "
            + (next[w[0]] + 1) + " was due: per-producer FIFO broken");
      }
      next[w[0]]++;
    }
    if (got.items().size() != total) {
      throw new StepFailure("received " + got.items().size() + " messages, expected " + total);
    }
  }

  static String describe(Outcome o) {
    return o == null ? "nothing" : o.toString();
  }

  private static Outcome getNow(Future<Outcome> f) {
    try {
      return f.get();
    } catch (Exception e) {
      return Outcome.error(e);
    }
  }

  private static String abbreviate(List<String> hexes) {
    String s = String.join(",", hexes);
    return s.length() > 200 ? s.substring(0, 197) + "..." : s;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailure("interrupted");
    }
  }
}
