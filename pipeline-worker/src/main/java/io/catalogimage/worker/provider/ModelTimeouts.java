package io.catalogimage.worker.provider;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each model's timeout per size, learnt from the latency of its successful calls: {@code
 * multiplier} x the observed {@code percentile}, within {@code [min, max]}, and the size's initial
 * value until {@code min-samples} calls were seen. A hung model is then abandoned after a few times
 * its usual latency instead of the endpoint's long request timeout. Only successes are learnt from:
 * timeouts and failures would teach a hung model's silence as its latency.
 *
 * <p>A model that merely slowed down (20 s to 90 s a call) would then time out on every call and
 * never teach its new latency. So after {@code stretch-after} timeouts in a row one call at a time
 * (per model and size, on this worker) is {@linkplain #stretch stretched}: twice the timeout,
 * doubling after each stretched call that times out too, up to the endpoint's request timeout. Its
 * success replaces the old latencies with the new one (the other calls get the new timeout at
 * once); a timeout at the endpoint's full timeout means the model is hung, and no call is stretched
 * again for {@code hung-retry}.
 */
public final class ModelTimeouts {

  private final TimeoutProperties props;
  private final Clock clock;
  private final Map<String, Entry> byModelAndSize = new ConcurrentHashMap<>();

  public ModelTimeouts(TimeoutProperties props) {
    this(props, Clock.systemUTC());
  }

  public ModelTimeouts(TimeoutProperties props, Clock clock) {
    this.props = props;
    this.clock = clock;
  }

  /**
   * The one call of a model and size let wait longer than its timeout.
   *
   * @param full the timeout is the endpoint's own: a timeout now means the model is hung
   */
  public record Stretched(String model, String size, Duration timeout, boolean full) {}

  /** A successful call of {@code model} at {@code size} took {@code latency}. */
  public void observe(String model, String size, Duration latency) {
    observe(model, size, latency, null);
  }

  /**
   * A successful call took {@code latency}; {@code stretched} is its stretched timeout (or null). A
   * stretched call that answered later than the normal timeout allows shows the model's new
   * latency: the old ones are forgotten and the new timeout is learnt from it.
   */
  public void observe(String model, String size, Duration latency, Stretched stretched) {
    entry(model, size).succeeded(latency.toMillis(), stretched != null);
  }

  /** A call of {@code model} at {@code size} timed out; {@code stretched} as it went (or null). */
  public void timedOut(String model, String size, Stretched stretched) {
    entry(model, size).timedOut(stretched, clock.millis());
  }

  /** A stretched call got no verdict (another failure, or it was never made): another may go. */
  public void noVerdict(Stretched stretched) {
    if (stretched != null) {
      entry(stretched.model(), stretched.size()).released();
    }
  }

  /** The timeout for the next call, never longer than {@code ceiling} (the endpoint's). */
  public Duration timeoutFor(String model, String size, Duration ceiling) {
    Entry e = byModelAndSize.get(model + "@" + size);
    Duration t = Duration.ofMillis(e == null ? initialMs(size) : e.normalMs());
    return ceiling != null && t.compareTo(ceiling) > 0 ? ceiling : t;
  }

  /**
   * The stretched timeout for the next call of {@code model} at {@code size}, if the model timed
   * out {@code stretch-after} times in a row and no other call is stretched now: that call is then
   * the stretched one until its outcome is reported ({@link #observe}, {@link #timedOut}, {@link
   * #noVerdict}). Never longer than {@code ceiling} (the endpoint's request timeout; null: {@code
   * max}).
   */
  public Optional<Stretched> stretch(String model, String size, Duration ceiling) {
    if (props.stretchAfter() == 0) {
      return Optional.empty();
    }
    Duration cap = ceiling != null ? ceiling : props.max();
    long normal = timeoutFor(model, size, cap).toMillis();
    return Optional.ofNullable(
        entry(model, size).takeStretch(model, size, normal, cap.toMillis(), clock.millis()));
  }

  /** Timeouts in a row of {@code model} at {@code size} (for logs). */
  public int timeoutsInRow(String model, String size) {
    Entry e = byModelAndSize.get(model + "@" + size);
    return e == null ? 0 : e.timeoutsInRow();
  }

  private Entry entry(String model, String size) {
    return byModelAndSize.computeIfAbsent(model + "@" + size, k -> new Entry(size));
  }

  private long initialMs(String size) {
    return props.initialFor(size).toMillis();
  }

  private long bounded(long ms) {
    return Math.max(props.min().toMillis(), Math.min(props.max().toMillis(), ms));
  }

  /** One model and size: a ring of the last latencies (ms) and the state of its stretched call. */
  private final class Entry {
    private final String size;
    private final long[] ring = new long[props.window()];
    private int next;
    private int count;

    /** From a stretched success: the timeout at least, until enough new latencies are seen. */
    private long floorMs;

    private int timeoutsInRow;
    private boolean stretchedOut;
    private long nextStretchMs;
    private long hungUntilMs;

    Entry(String size) {
      this.size = size;
    }

    synchronized long normalMs() {
      if (count < props.minSamples()) {
        return Math.max(initialMs(size), floorMs);
      }
      return bounded(Math.round(percentile(props.percentile()) * props.multiplier()));
    }

    synchronized void succeeded(long latencyMs, boolean wasStretched) {
      timeoutsInRow = 0;
      nextStretchMs = 0;
      hungUntilMs = 0;
      if (wasStretched) {
        stretchedOut = false;
        if (latencyMs > normalMs()) {
          // the latencies learnt so far describe a faster model than this one
          count = 0;
          next = 0;
          floorMs = bounded(Math.round(latencyMs * props.multiplier()));
        }
      }
      ring[next] = latencyMs;
      next = (next + 1) % ring.length;
      count = Math.min(count + 1, ring.length);
      if (count >= props.minSamples()) {
        floorMs = 0;
      }
    }

    synchronized void timedOut(Stretched stretched, long nowMs) {
      timeoutsInRow++;
      if (stretched == null) {
        return;
      }
      stretchedOut = false;
      if (stretched.full()) {
        // no answer within the endpoint's own timeout: hung, not slow
        hungUntilMs = nowMs + props.hungRetry().toMillis();
        nextStretchMs = 0;
      } else {
        nextStretchMs = stretched.timeout().toMillis() * 2;
      }
    }

    synchronized int timeoutsInRow() {
      return timeoutsInRow;
    }

    synchronized void released() {
      stretchedOut = false;
    }

    synchronized Stretched takeStretch(
        String model, String size, long normalMs, long capMs, long nowMs) {
      if (stretchedOut || timeoutsInRow < props.stretchAfter() || nowMs < hungUntilMs) {
        return null;
      }
      long t = Math.min(capMs, nextStretchMs > 0 ? nextStretchMs : normalMs * 2);
      if (t <= normalMs) {
        return null; // the timeout already is the endpoint's
      }
      stretchedOut = true;
      return new Stretched(model, size, Duration.ofMillis(t), t >= capMs);
    }

    private double percentile(double p) {
      long[] sorted = Arrays.copyOf(ring, count);
      Arrays.sort(sorted);
      int at = (int) Math.ceil(p * count) - 1;
      return sorted[Math.max(0, Math.min(count - 1, at))];
    }
  }
}
