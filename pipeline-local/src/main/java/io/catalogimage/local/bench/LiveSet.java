package io.catalogimage.local.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The live heap of another JVM, sampled: {@code jcmd <pid> GC.class_histogram} every interval, each
 * after a full collection, so the figure is what is reachable, not what G1 has not yet reclaimed
 * (the GC log's "after" of a young pause counts old regions full of garbage). The full collections
 * change the run they sample: its heap and pause figures are not comparable with an unsampled run.
 */
final class LiveSet implements AutoCloseable {

  private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");

  private final long pid;
  private final Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
  private final AtomicLong peak = new AtomicLong();
  private final Thread sampler;
  private volatile boolean running = true;

  LiveSet(long pid, long intervalMillis) {
    this.pid = pid;
    this.sampler =
        new Thread(
            () -> {
              while (running) {
                sample();
                try {
                  Thread.sleep(intervalMillis); // a sampling period, not waiting for behaviour
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "live-set-" + pid);
    sampler.setDaemon(true);
  }

  /** Starts sampling; false (and a line saying why) when this JVM has no jcmd. */
  boolean start() {
    if (!Files.isExecutable(jcmd)) {
      System.out.println("  live set not sampled: no " + jcmd);
      return false;
    }
    sampler.start();
    return true;
  }

  /** The largest live heap seen, in MB. */
  long peakMb() {
    return peak.get() >> 20;
  }

  private void sample() {
    try {
      Process p =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor(30, TimeUnit.SECONDS)) {
        Matcher m = TOTAL.matcher(out);
        if (m.find()) {
          peak.accumulateAndGet(Long.parseLong(m.group(1)), Math::max);
        }
      }
    } catch (IOException e) {
      // the worker has gone: nothing more to sample
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }
}
