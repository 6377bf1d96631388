package io.catalogimage.simulator;

import java.time.Duration;
import java.time.Instant;

/**
 * The simulator's notion of "now" for everything calendar-like: quota windows, the daily reset at
 * midnight Pacific and the peak windows. Latency always runs on real time, so moving this clock
 * never makes a pending response arrive sooner.
 *
 * <p>Tests move it instead of sleeping: {@link #fixAt} freezes it, {@link #offsetBy} shifts system
 * time, {@link #useSystemTime} restores it.
 */
public final class SimulatorClock {
  private record State(Instant fixed, Duration offset) {}

  private volatile State state = new State(null, Duration.ZERO);

  public Instant now() {
    State s = state;
    return s.fixed != null ? s.fixed : Instant.now().plus(s.offset);
  }

  /** From now on {@code now()} = system time + {@code offset}. */
  public void offsetBy(Duration offset) {
    state = new State(null, offset);
  }

  /** Freezes the clock at {@code instant}. */
  public void fixAt(Instant instant) {
    state = new State(instant, Duration.ZERO);
  }

  /** Moves the clock forward (or back) by {@code amount}, frozen or not. */
  public void advanceBy(Duration amount) {
    State s = state;
    state =
        s.fixed != null
            ? new State(s.fixed.plus(amount), Duration.ZERO)
            : new State(null, s.offset.plus(amount));
  }

  public void useSystemTime() {
    state = new State(null, Duration.ZERO);
  }

  /** "system", "offset" or "fixed". */
  public String mode() {
    State s = state;
    if (s.fixed != null) {
      return "fixed";
    }
    return s.offset.isZero() ? "system" : "offset";
  }

  /** The offset from system time (zero when frozen). */
  public Duration offset() {
    return state.offset;
  }

  /** The frozen instant, or null when the clock runs. */
  public Instant fixedAt() {
    return state.fixed;
  }
}
