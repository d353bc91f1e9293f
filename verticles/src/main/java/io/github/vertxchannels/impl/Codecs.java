package io.github.vertxchannels.impl;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

import java.util.ArrayList;
import java.util.List;

/**
 * Event-bus codecs of the channel protocol. Local delivery passes payloads by reference (Vert.x's
 * own Buffer codec copies every buffer it delivers locally); across a cluster they are length-
 * prefixed bytes.
 */
public final class Codecs {

  /** Codec name for payload buffers delivered without a copy. */
  public static final String PAYLOAD = "vertx-channels.payload";
  /** Codec name for {@link DeliveryBatch}. */
  public static final String BATCH = "vertx-channels.batch";

  private Codecs() {
  }

  /**
   * Registers the codecs on an event bus; safe to call more than once (every verticle and client
   * calls it).
   */
  public static void register(EventBus eventBus) {
    synchronized (Codecs.class) {
      try {
        eventBus.registerCodec(new PayloadCodec());
      } catch (IllegalStateException alreadyRegistered) {
        // another verticle or client of this Vert.x instance registered it first
      }
      try {
        eventBus.registerCodec(new BatchCodec());
      } catch (IllegalStateException alreadyRegistered) {
        // idem
      }
    }
  }

  /** @return delivery options that carry a payload buffer without copying it */
  public static DeliveryOptions payloadOptions() {
    return new DeliveryOptions().setCodecName(PAYLOAD);
  }

  /** Payload buffers: shared locally (the channel owns a buffer once it is sent), bytes on the wire. */
  static final class PayloadCodec implements MessageCodec<Buffer, Buffer> {
    @Override
    public void encodeToWire(Buffer wire, Buffer payload) {
      wire.appendInt(payload.length()).appendBuffer(payload);
    }

    @Override
    public Buffer decodeFromWire(int pos, Buffer wire) {
      int len = wire.getInt(pos);
      return wire.getBuffer(pos + 4, pos + 4 + len);
    }

    @Override
    public Buffer transform(Buffer payload) {
      return payload;
    }

    @Override
    public String name() {
      return PAYLOAD;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  /** Delivery batches: passed by reference locally, sequence number plus length-prefixed payloads on the wire. */
  static final class BatchCodec implements MessageCodec<DeliveryBatch, DeliveryBatch> {
    @Override
    public void encodeToWire(Buffer wire, DeliveryBatch batch) {
      int start = wire.length();
      wire.appendInt(0).appendLong(batch.firstSeq()).appendInt(batch.payloads().size());
      for (Buffer p : batch.payloads()) {
        wire.appendInt(p.length()).appendBuffer(p);
      }
      wire.setInt(start, wire.length() - start - 4);
    }

    @Override
    public DeliveryBatch decodeFromWire(int pos, Buffer wire) {
      int p = pos + 4;
      long firstSeq = wire.getLong(p);
      int count = wire.getInt(p + 8);
      p += 12;
      List<Buffer> payloads = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int len = wire.getInt(p);
        payloads.add(wire.getBuffer(p + 4, p + 4 + len));
        p += 4 + len;
      }
      return new DeliveryBatch(firstSeq, payloads);
    }

    @Override
    public DeliveryBatch transform(DeliveryBatch batch) {
      return batch;
    }

    @Override
    public String name() {
      return BATCH;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
