package io.github.vertxchannels.client;

import io.github.vertxchannels.testing.GrpcServerTestBase;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;

/** A real server and {@link ChannelGrpcClient}s connected to it, closed after each test. */
abstract class ClientTestBase extends GrpcServerTestBase {

  private final List<ChannelGrpcClient> clients = new ArrayList<>();

  /** @return a new client (its own connection) */
  protected ChannelGrpcClient client() {
    ChannelGrpcClient c = ChannelGrpcClient.connect("127.0.0.1:" + port);
    clients.add(c);
    return c;
  }

  @AfterEach
  void closeClients() {
    for (ChannelGrpcClient c : clients) {
      try {
        c.close();
      } catch (RuntimeException ignored) {
        // a test that broke the server on purpose
      }
    }
  }
}
