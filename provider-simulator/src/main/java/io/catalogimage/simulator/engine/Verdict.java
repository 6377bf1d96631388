package io.catalogimage.simulator.engine;

import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.quota.QuotaViolation;
import io.catalogimage.simulator.stats.StatsRecorder;
import java.time.Duration;
import java.util.Optional;

/**
 * What happens to a call.
 *
 * @param fault the fault drawn or triggered; null = success
 * @param violation the quota violation behind a 429 (real or forced); null otherwise
 * @param latency real time to wait before answering
 * @param peak whether the call arrived in a peak window
 * @param draw the call's deterministic hash, for details such as support codes
 * @param window the per-minute request window after this call, for {@code x-ratelimit-*} headers
 *     (null unless {@code quotas.rateLimitHeaders})
 */
public record Verdict(
    FaultKind fault,
    QuotaViolation violation,
    Duration latency,
    boolean peak,
    long draw,
    RateWindow window) {

  /**
   * The per-minute request window as a gateway reports it.
   *
   * @param limit requests per minute allowed now
   * @param remaining requests left in the current 60 s window
   * @param reset until the oldest counted request leaves the window
   */
  public record RateWindow(long limit, long remaining, Duration reset) {}

  public Optional<FaultKind> faultKind() {
    return Optional.ofNullable(fault);
  }

  public boolean is(FaultKind kind) {
    return fault == kind;
  }

  /** "SUCCESS" or the fault's name: the stats key and the {@code x-sim-outcome} header. */
  public String outcome() {
    return fault == null ? StatsRecorder.SUCCESS : fault.name();
  }
}
