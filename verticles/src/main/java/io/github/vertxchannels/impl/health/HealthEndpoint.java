package io.github.vertxchannels.impl.health;

import com.google.protobuf.Descriptors;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.vertx.grpc.health.v1.HealthListRequest;
import io.vertx.grpc.health.v1.HealthListResponse;
import io.vertx.grpc.health.v1.HealthProto;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;

import java.util.List;
import java.util.function.Consumer;

/**
 * {@code grpc.health.v1.Health} (Check, Watch, List) answering from {@link ServingState}, for the
 * whole server ({@code ""}) and for {@code vertx.channels.v1.ChannelService} alike: both serve or
 * neither does. Vert.x's own HealthService reports {@code ""} as SERVING unconditionally and polls
 * for Watch; this one pushes each change to every Watch stream, and ends them (after a
 * NOT_SERVING) when the server drains, so that they do not hold the HTTP/2 shutdown up.
 */
public final class HealthEndpoint implements Service {

  private static final ServiceName NAME = ServiceName.create("grpc.health.v1", "Health");
  private static final Descriptors.ServiceDescriptor DESCRIPTOR = HealthProto.getDescriptor().findServiceByName("Health");
  private static final ServiceMethod<HealthCheckRequest, HealthCheckResponse> CHECK = ServiceMethod.server(NAME, "Check",
    GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckRequest.newBuilder()));
  private static final ServiceMethod<HealthCheckRequest, HealthCheckResponse> WATCH = ServiceMethod.server(NAME, "Watch",
    GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckRequest.newBuilder()));
  private static final ServiceMethod<HealthListRequest, HealthListResponse> LIST = ServiceMethod.server(NAME, "List",
    GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthListRequest.newBuilder()));

  private final ServingState state;
  private final List<String> services;

  /**
   * @param vertx the server's Vert.x (its {@link ServingState} is read)
   * @param serviceName the fully qualified name of the service reported besides {@code ""}
   */
  public HealthEndpoint(Vertx vertx, String serviceName) {
    this.state = ServingState.of(vertx);
    this.services = List.of("", serviceName);
  }

  @Override
  public ServiceName name() {
    return NAME;
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return DESCRIPTOR;
  }

  @Override
  public void bind(GrpcServer server) {
    server.callHandler(CHECK, call -> call.handler(request -> check(call, request)));
    server.callHandler(WATCH, call -> call.handler(request -> watch(call, request)));
    server.callHandler(LIST, call -> call.handler(request -> {
      HealthListResponse.Builder b = HealthListResponse.newBuilder();
      HealthCheckResponse r = response(state.snapshot().serving());
      services.forEach(s -> b.putStatuses(s, r));
      call.response().end(b.build());
    }));
  }

  private void check(GrpcServerRequest<HealthCheckRequest, HealthCheckResponse> call, HealthCheckRequest request) {
    if (!services.contains(request.getService())) {
      call.response().status(GrpcStatus.NOT_FOUND).statusMessage("unknown service '" + request.getService()
        + "'; known: \"\" and " + services.get(1)).end();
      return;
    }
    call.response().end(response(state.snapshot().serving()));
  }

  private void watch(GrpcServerRequest<HealthCheckRequest, HealthCheckResponse> call, HealthCheckRequest request) {
    GrpcServerResponse<HealthCheckRequest, HealthCheckResponse> response = call.response();
    // The protocol: an unknown service is SERVICE_UNKNOWN on the stream, which stays open (until
    // the server drains, like the others).
    boolean known = services.contains(request.getService());
    Context context = Vertx.currentContext();
    // Only touched on the call's context.
    Boolean[] last = {null};
    boolean[] ended = {false};
    Runnable[] remove = {null};
    Consumer<ServingState.Snapshot> send = s -> {
      if (ended[0]) {
        return;
      }
      if (known && (last[0] == null || last[0] != s.serving())) {
        last[0] = s.serving();
        response.write(response(s.serving()));
      }
      if (s.draining()) {
        ended[0] = true;
        remove[0].run();
        response.status(GrpcStatus.UNAVAILABLE).statusMessage("the server is shutting down").end();
      }
    };
    remove[0] = state.watch(s -> context.runOnContext(v -> send.accept(s)));
    Runnable gone = () -> {
      ended[0] = true;
      remove[0].run();
    };
    call.exceptionHandler(e -> gone.run());
    response.exceptionHandler(e -> gone.run());
    if (!known) {
      response.write(HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVICE_UNKNOWN).build());
    }
    send.accept(state.snapshot());
  }

  private static HealthCheckResponse response(boolean serving) {
    return HealthCheckResponse.newBuilder().setStatus(serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING).build();
  }
}
