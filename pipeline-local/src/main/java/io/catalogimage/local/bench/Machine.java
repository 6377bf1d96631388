package io.catalogimage.local.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.stream.Stream;

/** What a benchmark ran on, for the line written into docs/BENCHMARKS.md. */
final class Machine {

  private Machine() {}

  static String describe() {
    String cpu = "unknown CPU";
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      cpu =
          lines
              .filter(l -> l.startsWith("model name"))
              .findFirst()
              .map(l -> l.substring(l.indexOf(':') + 1).strip())
              .orElse(cpu);
    } catch (IOException ignored) {
      // not Linux: leave it unknown
    }
    long heapMb = Runtime.getRuntime().maxMemory() / (1024L * 1024);
    String heap = heapMb < 1024 ? heapMb + " MB" : heapMb / 1024 + " GB";
    return String.format(
        "%s, %d cores, Java %s, max heap %s, %s",
        cpu,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        heap,
        LocalDate.now());
  }

  /** CPU seconds (user + system) a process has used so far, from /proc. */
  static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return ticks / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
