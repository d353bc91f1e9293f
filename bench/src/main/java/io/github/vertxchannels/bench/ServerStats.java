package io.github.vertxchannels.bench;

import io.github.vertxchannels.bench.v1.StatsResponse;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory figures of this process: JVM heap and direct buffers, and the kernel's RSS. */
final class ServerStats {

  private ServerStats() {
  }

  static StatsResponse now(boolean gc) {
    if (gc) {
      System.gc();
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long direct = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        direct = pool.getMemoryUsed();
      }
    }
    long nettyDirect;
    try {
      nettyDirect = Math.max(0, io.netty.util.internal.PlatformDependent.usedDirectMemory());
    } catch (Throwable t) {
      nettyDirect = 0;
    }
    long[] rss = rss();
    long gcCount = 0;
    long gcMillis = 0;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount += Math.max(0, collector.getCollectionCount());
      gcMillis += Math.max(0, collector.getCollectionTime());
    }
    return StatsResponse.newBuilder()
      .setHeapUsed(memory.getHeapMemoryUsage().getUsed())
      .setHeapCommitted(memory.getHeapMemoryUsage().getCommitted())
      .setHeapMax(Math.max(0, memory.getHeapMemoryUsage().getMax()))
      .setNonHeapUsed(memory.getNonHeapMemoryUsage().getUsed())
      .setDirectUsed(direct)
      .setNettyDirectUsed(nettyDirect)
      .setRss(rss[0])
      .setRssPeak(rss[1])
      .setCpuNanos(cpuNanos())
      .setGcCount(gcCount)
      .setGcMillis(gcMillis)
      .build();
  }

  /** @return the CPU time of this process (all threads), in nanoseconds; 0 when unknown */
  static long cpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return Math.max(0, os.getProcessCpuTime());
    }
    return 0;
  }

  /** @return VmRSS and VmHWM in bytes, from /proc/self/status (zeros elsewhere) */
  static long[] rss() {
    long[] out = new long[2];
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          out[0] = kib(line);
        } else if (line.startsWith("VmHWM:")) {
          out[1] = kib(line);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: no RSS
    }
    return out;
  }

  private static long kib(String line) {
    String[] parts = line.trim().split("\\s+");
    return Long.parseLong(parts[1]) * 1024;
  }
}
