package io.catalogimage.worker.provider;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each model's timeout per size, learnt from the latency of its successful calls: {@code
 * multiplier} x the observed {@code percentile}, within {@code [min, max]}, and the size's initial
 * value until {@code min-samples} calls were seen. A hung model is then abandoned after a few times
 * its usual latency instead of the endpoint's long request timeout. Only successes are learnt from:
 * timeouts and failures would teach a hung model's silence as its latency.
 */
public final class ModelTimeouts {

  private final TimeoutProperties props;
  private final Map<String, Samples> byModelAndSize = new ConcurrentHashMap<>();

  public ModelTimeouts(TimeoutProperties props) {
    this.props = props;
  }

  /** A successful call of {@code model} at {@code size} took {@code latency}. */
  public void observe(String model, String size, Duration latency) {
    byModelAndSize
        .computeIfAbsent(model + "@" + size, k -> new Samples(props.window()))
        .add(latency.toMillis());
  }

  /** The timeout for the next call, never longer than {@code ceiling} (the endpoint's). */
  public Duration timeoutFor(String model, String size, Duration ceiling) {
    Samples s = byModelAndSize.get(model + "@" + size);
    Duration t;
    if (s == null || s.count() < props.minSamples()) {
      t = props.initialFor(size);
    } else {
      long learnt = Math.round(s.percentile(props.percentile()) * props.multiplier());
      t = Duration.ofMillis(learnt);
      if (t.compareTo(props.min()) < 0) {
        t = props.min();
      }
      if (t.compareTo(props.max()) > 0) {
        t = props.max();
      }
    }
    return ceiling != null && t.compareTo(ceiling) > 0 ? ceiling : t;
  }

  /** A ring of the last latencies, in milliseconds. */
  private static final class Samples {
    private final long[] ring;
    private int next;
    private int count;

    Samples(int size) {
      ring = new long[size];
    }

    synchronized void add(long ms) {
      ring[next] = ms;
      next = (next + 1) % ring.length;
      count = Math.min(count + 1, ring.length);
    }

    synchronized int count() {
      return count;
    }

    synchronized double percentile(double p) {
      long[] sorted = Arrays.copyOf(ring, count);
      Arrays.sort(sorted);
      int at = (int) Math.ceil(p * count) - 1;
      return sorted[Math.max(0, Math.min(count - 1, at))];
    }
  }
}
