package io.github.vertxchannels.impl;

import io.github.vertxchannels.ChannelVerticle;
import io.github.vertxchannels.grpc.ChannelGrpcVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The main verticle of {@code vertx-channels.jar}: the channel verticle, then the gRPC endpoint
 * with the same config. Both are undeployed when Vert.x closes (SIGTERM).
 */
public final class ServerVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    DeploymentOptions options = new DeploymentOptions().setConfig(config());
    return vertx.deployVerticle(new ChannelVerticle(), options)
      .compose(id -> vertx.deployVerticle(new ChannelGrpcVerticle(), options));
  }
}
