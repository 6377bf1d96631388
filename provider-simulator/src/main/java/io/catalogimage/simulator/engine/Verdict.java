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
 */
public record Verdict(
    FaultKind fault, QuotaViolation violation, Duration latency, boolean peak, long draw) {

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
