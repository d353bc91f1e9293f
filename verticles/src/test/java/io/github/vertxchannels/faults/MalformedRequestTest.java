package io.github.vertxchannels.faults;

import com.google.protobuf.ByteString;
import io.github.vertxchannels.grpc.v1.ChannelKind;
import io.github.vertxchannels.grpc.v1.InfoRequest;
import io.github.vertxchannels.grpc.v1.SendRequest;
import io.github.vertxchannels.grpc.v1.SendResult;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15.7: malformed requests get a precise status with a message, never CANCELLED, INTERNAL
 * or an empty message: garbage bytes are INVALID_ARGUMENT, an absurd channel id is
 * INVALID_ARGUMENT naming the bound, an oversize request is RESOURCE_EXHAUSTED naming the limit.
 * Afterwards the connection still serves well-formed calls.
 */
class MalformedRequestTest extends FaultsTestBase {

  static final int MAX_MESSAGE = 4096;

  @Override
  protected JsonObject serverConfig() {
    return super.serverConfig().put("max_message_size", MAX_MESSAGE);
  }

  private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private Status raw(String method, byte[] body) {
    MethodDescriptor<byte[], byte[]> m = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("vertx.channels.v1.ChannelService/" + method)
      .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    return assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(transport, m,
      CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), body)).getStatus();
  }

  private void stillServes() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    assertEquals(SendResult.SEND_RESULT_OK, send(id, new byte[] {1}));
  }

  @Test
  void garbage_bytes_are_invalid_argument() {
    for (String method : new String[] {"Send", "Create", "Info", "Receive", "SendToAddress"}) {
      Status s = raw(method, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02});
      assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), method + ": " + s);
      assertTrue(s.getDescription() != null && s.getDescription().contains("malformed"), method + ": " + s);
    }
    stillServes();
  }

  @Test
  void an_absurd_channel_id_is_invalid_argument_naming_the_bound() {
    String id = "a." + "x".repeat(50_000); // under the request limit of this test server
    Status s = assertThrows(StatusRuntimeException.class,
      () -> stub.info(InfoRequest.newBuilder().setChannelId(id).build())).getStatus();
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
    assertTrue(s.getDescription().contains("at most"), s.toString());
    stillServes();
  }

  @Test
  void an_oversize_request_is_resource_exhausted_naming_the_limit() {
    String id = create(ChannelKind.CHANNEL_KIND_BYTES, 0);
    Status s = assertThrows(StatusRuntimeException.class, () -> stub.send(SendRequest.newBuilder().setChannelId(id)
      .setPayload(ByteString.copyFrom(new byte[MAX_MESSAGE + 128 * 1024])).build())).getStatus();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
    assertTrue(s.getDescription() != null && s.getDescription().contains("limit"), s.toString());
    stillServes();
  }
}
