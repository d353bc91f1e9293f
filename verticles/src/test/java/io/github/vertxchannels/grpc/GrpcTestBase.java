package io.github.vertxchannels.grpc;

import io.github.vertxchannels.testing.GrpcServerTestBase;

/** The gRPC tests' base: a real server and real grpc-java clients ({@link GrpcServerTestBase}). */
abstract class GrpcTestBase extends GrpcServerTestBase {
}
