package io.github.vertxchannels.impl.grpc;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.reflection.v1.ErrorResponse;
import io.vertx.grpc.reflection.v1.FileDescriptorResponse;
import io.vertx.grpc.reflection.v1.ListServiceResponse;
import io.vertx.grpc.reflection.v1.ServerReflectionProto;
import io.vertx.grpc.reflection.v1.ServerReflectionRequest;
import io.vertx.grpc.reflection.v1.ServerReflectionResponse;
import io.vertx.grpc.reflection.v1.ServiceResponse;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.Service;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Server reflection, {@code grpc.reflection.v1.ServerReflection} and its older name
 * {@code grpc.reflection.v1alpha.ServerReflection}, which grpcurl, Postman and older grpc_cli still
 * try first. Vert.x 5.0's own ReflectionService serves only v1 and ends the stream after the first
 * answer, whereas clients send several requests on one stream; this one answers each request on
 * the same stream until the client half-closes. The v1alpha messages are field-for-field the v1
 * ones (the same wire format), so both use the v1 message classes. It answers list_services,
 * file_by_filename and file_containing_symbol from the server's registered services; extension
 * queries answer UNIMPLEMENTED in the protocol's error_response (no service here uses extensions).
 */
public final class ServerReflection implements Service {

  private static final String V1ALPHA = "grpc.reflection.v1alpha";

  private final ServiceName name;
  private final ServiceMethod<ServerReflectionRequest, ServerReflectionResponse> info;
  private final Descriptors.ServiceDescriptor descriptor;
  private GrpcServer server;

  private ServerReflection(String pkg, Descriptors.ServiceDescriptor descriptor) {
    this.name = ServiceName.create(pkg, "ServerReflection");
    this.info = ServiceMethod.server(name, "ServerReflectionInfo", GrpcMessageEncoder.encoder(),
      GrpcMessageDecoder.decoder(ServerReflectionRequest.newBuilder()));
    this.descriptor = descriptor;
  }

  /** @return {@code grpc.reflection.v1.ServerReflection} */
  public static ServerReflection v1() {
    return new ServerReflection("grpc.reflection.v1", ServerReflectionProto.getDescriptor().findServiceByName("ServerReflection"));
  }

  /** @return {@code grpc.reflection.v1alpha.ServerReflection} */
  public static ServerReflection v1alpha() {
    return new ServerReflection(V1ALPHA, v1alphaDescriptor());
  }

  @Override
  public ServiceName name() {
    return name;
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return descriptor;
  }

  @Override
  public void bind(GrpcServer server) {
    this.server = server;
    server.callHandler(info, call -> {
      call.handler(request -> call.response().write(answer(request)));
      call.endHandler(v -> call.response().end());
    });
  }

  private ServerReflectionResponse answer(ServerReflectionRequest request) {
    ServerReflectionResponse.Builder b = ServerReflectionResponse.newBuilder()
      .setValidHost(request.getHost()).setOriginalRequest(request);
    switch (request.getMessageRequestCase()) {
      case LIST_SERVICES -> {
        ListServiceResponse.Builder list = ListServiceResponse.newBuilder();
        server.services().forEach(s -> list.addService(ServiceResponse.newBuilder().setName(s.name().fullyQualifiedName())));
        return b.setListServicesResponse(list).build();
      }
      case FILE_BY_FILENAME -> {
        for (Descriptors.FileDescriptor f : files()) {
          if (f.getName().equals(request.getFileByFilename())) {
            return b.setFileDescriptorResponse(withDependencies(f)).build();
          }
        }
        return error(b, GrpcStatus.NOT_FOUND, "no file " + request.getFileByFilename());
      }
      case FILE_CONTAINING_SYMBOL -> {
        String symbol = request.getFileContainingSymbol();
        for (Descriptors.FileDescriptor f : files()) {
          if (defines(f, symbol)) {
            return b.setFileDescriptorResponse(withDependencies(f)).build();
          }
        }
        return error(b, GrpcStatus.NOT_FOUND, "no symbol " + symbol);
      }
      default -> {
        return error(b, GrpcStatus.UNIMPLEMENTED, "not supported: " + request.getMessageRequestCase());
      }
    }
  }

  private static ServerReflectionResponse error(ServerReflectionResponse.Builder b, GrpcStatus status, String message) {
    return b.setErrorResponse(ErrorResponse.newBuilder().setErrorCode(status.code).setErrorMessage(message)).build();
  }

  /** Every file of a registered service, with its dependencies. */
  private Set<Descriptors.FileDescriptor> files() {
    Set<Descriptors.FileDescriptor> files = new LinkedHashSet<>();
    server.services().forEach(s -> addWithDependencies(s.descriptor().getFile(), files));
    return files;
  }

  private static void addWithDependencies(Descriptors.FileDescriptor f, Set<Descriptors.FileDescriptor> files) {
    if (files.add(f)) {
      f.getDependencies().forEach(d -> addWithDependencies(d, files));
    }
  }

  private static FileDescriptorResponse withDependencies(Descriptors.FileDescriptor f) {
    Set<Descriptors.FileDescriptor> files = new LinkedHashSet<>();
    addWithDependencies(f, files);
    FileDescriptorResponse.Builder b = FileDescriptorResponse.newBuilder();
    files.forEach(x -> b.addFileDescriptorProto(x.toProto().toByteString()));
    return b.build();
  }

  private static boolean defines(Descriptors.FileDescriptor f, String symbol) {
    for (Descriptors.ServiceDescriptor s : f.getServices()) {
      if (s.getFullName().equals(symbol) || s.getMethods().stream().anyMatch(m -> m.getFullName().equals(symbol))) {
        return true;
      }
    }
    for (Descriptors.Descriptor m : f.getMessageTypes()) {
      if (defines(m, symbol)) {
        return true;
      }
    }
    return f.getEnumTypes().stream().anyMatch(e -> e.getFullName().equals(symbol));
  }

  private static boolean defines(Descriptors.Descriptor m, String symbol) {
    if (m.getFullName().equals(symbol) || m.getEnumTypes().stream().anyMatch(e -> e.getFullName().equals(symbol))) {
      return true;
    }
    return m.getNestedTypes().stream().anyMatch(n -> defines(n, symbol));
  }

  /** The v1 file renamed to v1alpha: what a v1alpha client finds when it reflects on reflection. */
  private static Descriptors.ServiceDescriptor v1alphaDescriptor() {
    FileDescriptorProto v1 = ServerReflectionProto.getDescriptor().toProto();
    String from = "." + v1.getPackage() + ".";
    String to = "." + V1ALPHA + ".";
    FileDescriptorProto.Builder b = v1.toBuilder().setPackage(V1ALPHA).setName("grpc/reflection/v1alpha/reflection.proto")
      .clearOptions();
    for (DescriptorProto.Builder m : b.getMessageTypeBuilderList()) {
      for (FieldDescriptorProto.Builder field : m.getFieldBuilderList()) {
        if (field.getTypeName().startsWith(from)) {
          field.setTypeName(to + field.getTypeName().substring(from.length()));
        }
      }
    }
    for (ServiceDescriptorProto.Builder s : b.getServiceBuilderList()) {
      for (MethodDescriptorProto.Builder method : s.getMethodBuilderList()) {
        method.setInputType(method.getInputType().replace(from, to)).setOutputType(method.getOutputType().replace(from, to));
      }
    }
    try {
      return Descriptors.FileDescriptor.buildFrom(b.build(), new Descriptors.FileDescriptor[0])
        .findServiceByName("ServerReflection");
    } catch (Descriptors.DescriptorValidationException e) {
      throw new IllegalStateException("the v1alpha reflection descriptor", e);
    }
  }
}
