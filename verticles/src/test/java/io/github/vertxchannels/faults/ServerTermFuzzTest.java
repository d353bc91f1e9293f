package io.github.vertxchannels.faults;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.etf.Etf;
import io.github.vertxchannels.etf.EtfException;
import io.github.vertxchannels.grpc.v1.ChannelInfo;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.github.vertxchannels.grpc.v1.SendResults;
import io.github.vertxchannels.grpc.v1.ServerFrame;
import io.github.vertxchannels.testing.RawStream;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random and mutated bytes sent to a term channel through the server, unary and over a stream:
 * what is not exactly one term is refused (INVALID_ARGUMENT / SEND_RESULT_INVALID) and nothing is
 * enqueued; what is one term is enqueued; the channel ends up holding exactly the accepted
 * payloads, in order (S-FIX-DECODE, S-SEND-3). Seeded like {@link EtfFuzzTest}.
 */
class ServerTermFuzzTest extends FaultsTestBase {

  static final int UNARY = 400;
  static final int STREAMED = 2_000;

  private static boolean valid(byte[] b) {
    try {
      Etf.validate(b);
      return true;
    } catch (EtfException e) {
      return false;
    }
  }

  private static List<byte[]> inputs(Random r, int n) {
    List<byte[]> seeds = List.of(
      new byte[] {(byte) 131, 104, 2, 119, 2, 111, 107, 97, 42},        // {ok, 42}
      new byte[] {(byte) 131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106},      // [1, 2]
      new byte[] {(byte) 131, 116, 0, 0, 0, 1, 119, 1, 107, 109, 0, 0, 0, 1, 120}, // #{k => <<"x">>}
      new byte[] {(byte) 131, 70, 63, (byte) 248, 0, 0, 0, 0, 0, 0});   // 1.5
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(r.nextInt(3) == 0 ? EtfFuzzTest.randomInput(r) : EtfFuzzTest.mutate(r, seeds.get(r.nextInt(seeds.size())), seeds));
    }
    return out;
  }

  @Test
  void random_bytes_sent_to_a_term_channel_are_refused_and_nothing_is_enqueued__S_FIX_DECODE() {
    long seed = EtfFuzzTest.SEED;
    System.out.println("ServerTermFuzzTest seed " + seed);
    Random r = new Random(seed);
    String id = create(ChannelKind.CHANNEL_KIND_TERM, 0);
    List<byte[]> enqueued = new ArrayList<>();
    long size = 0;
    int refused = 0;
    // unary sends
    for (byte[] b : inputs(r, UNARY)) {
      if (valid(b)) {
        assertEquals(SendResult.SEND_RESULT_OK, send(id, b), "a valid term is accepted: " + ErlRunner.hex(b));
        enqueued.add(b);
        size += b.length;
      } else {
        try {
          SendResult res = send(id, b);
          fail("seed " + seed + ": the server accepted (" + res + ") bytes its validator refuses: " + ErlRunner.hex(b));
        } catch (StatusRuntimeException e) {
          assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), ErlRunner.hex(b) + ": " + e.getStatus());
          assertTrue(e.getStatus().getDescription() != null && !e.getStatus().getDescription().isBlank());
          refused++;
        }
      }
      ChannelInfo info = info(id);
      assertEquals(size, info.getSize(), "size unchanged by a refused payload");
      assertEquals(enqueued.size(), info.getMessages());
    }
    // the same over a stream, 50 payloads per Send frame
    RawStream producer = rawStream().open(id, 0, 0);
    List<byte[]> streamed = inputs(r, STREAMED);
    for (int from = 0; from < streamed.size(); from += 50) {
      List<byte[]> frame = streamed.subList(from, Math.min(streamed.size(), from + 50));
      producer.send(sendFrame(from + 1, frame));
      SendResults results = producer.nextFrame(ServerFrame.FrameCase.SEND_RESULTS).getSendResults();
      assertEquals(from + 1, results.getFirstSeq());
      assertEquals(frame.size(), results.getResultsCount());
      for (int i = 0; i < frame.size(); i++) {
        byte[] b = frame.get(i);
        if (valid(b)) {
          assertEquals(SendResult.SEND_RESULT_OK, results.getResults(i), "a valid term: " + ErlRunner.hex(b));
          enqueued.add(b);
          size += b.length;
        } else {
          assertEquals(SendResult.SEND_RESULT_INVALID, results.getResults(i), "seed " + seed + ": " + ErlRunner.hex(b));
          refused++;
        }
      }
      ChannelInfo info = info(id);
      assertEquals(size, info.getSize(), "size counts the accepted payloads only");
      assertEquals(enqueued.size(), info.getMessages());
    }
    System.out.println("ServerTermFuzzTest: " + (UNARY + STREAMED) + " payloads, " + enqueued.size() + " accepted, " + refused + " refused");
    assertTrue(refused > UNARY, "mostly refusals");
    // exactly the accepted payloads, in order, byte for byte
    producer.send(credit(enqueued.size(), MANY));
    List<ByteString> got = producer.take(enqueued.size());
    for (int i = 0; i < got.size(); i++) {
      assertArrayEquals(enqueued.get(i), got.get(i).toByteArray(), "message " + i);
    }
  }
}
