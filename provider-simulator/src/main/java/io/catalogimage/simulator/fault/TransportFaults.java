package io.catalogimage.simulator.fault;

import io.catalogimage.simulator.config.FaultSettings;
import io.catalogimage.simulator.engine.Verdict;
import java.time.Duration;
import java.util.Optional;

/**
 * The faults that are not an answer at all: a hung call ({@link FaultKind#HANG}) and a connection
 * closed after the model worked ({@link FaultKind#CONNECTION_RESET}). Both protocol handlers ask
 * this before rendering, and close the connection unanswered after the delay it gives.
 */
public final class TransportFaults {

  private TransportFaults() {}

  /** How long to hold the connection before closing it unanswered; empty = answer normally. */
  public static Optional<Duration> unanswered(Verdict verdict, FaultSettings faults) {
    if (verdict.is(FaultKind.HANG)) {
      return Optional.of(faults.hangFor());
    }
    if (verdict.is(FaultKind.CONNECTION_RESET)) {
      return Optional.of(verdict.latency());
    }
    return Optional.empty();
  }
}
