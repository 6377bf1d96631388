package io.catalogimage.simulator.engine;

import io.catalogimage.simulator.SimulatorClock;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.PeakProfile;
import io.catalogimage.simulator.config.QuotaLimits;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.FaultPlanner;
import io.catalogimage.simulator.fault.Hashing;
import io.catalogimage.simulator.latency.LatencyModel;
import io.catalogimage.simulator.quota.QuotaDimension;
import io.catalogimage.simulator.quota.QuotaLedger;
import io.catalogimage.simulator.quota.QuotaViolation;
import io.catalogimage.simulator.stats.ReceivedImages;
import io.catalogimage.simulator.stats.StatsRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The protocol-neutral heart: quota gate, fault draw, latency and stats for one call. Both protocol
 * handlers ask it and only render the verdict in their own wire shape.
 */
public final class Engine {
  private final Supplier<SimulatorConfig> config;
  private final SimulatorClock clock;
  private final QuotaLedger ledger;
  private final FaultPlanner planner;
  private final StatsRecorder stats;
  private final ReceivedImages receivedImages = new ReceivedImages();

  public Engine(
      Supplier<SimulatorConfig> config,
      SimulatorClock clock,
      QuotaLedger ledger,
      FaultPlanner planner,
      StatsRecorder stats) {
    this.config = config;
    this.clock = clock;
    this.ledger = ledger;
    this.planner = planner;
    this.stats = stats;
  }

  public SimulatorConfig config() {
    return config.get();
  }

  public SimulatorClock clock() {
    return clock;
  }

  /** The input images the handlers received, by digest. */
  public ReceivedImages receivedImages() {
    return receivedImages;
  }

  public Verdict decide(Call call) {
    SimulatorConfig cfg = config.get();
    Instant now = clock.now();
    boolean peak = cfg.peak().inPeak(now);
    PeakProfile profile = peak ? cfg.peak().profileFor(call.model()) : PeakProfile.NEUTRAL;
    QuotaLimits limits =
        cfg.quotas()
            .limitsAt(call.project(), call.model(), now)
            .scaled(profile.quotaFactor(), profile.dailyQuotaFactor());

    FaultKind fault;
    QuotaViolation violation;
    boolean quotaRefused;
    Verdict.RateWindow window = null;
    long draw = 0;
    QuotaLedger.Bucket bucket = ledger.bucket(call.project(), call.model());
    // One lock per project x model makes "check, decide, record" atomic, so concurrent calls can
    // never overshoot a quota, and a refused call neither consumes quota nor a trigger count.
    synchronized (bucket) {
      Optional<QuotaViolation> refused = bucket.check(limits, call.images(), now);
      quotaRefused = refused.isPresent();
      if (refused.isPresent()) {
        violation = refused.get();
        fault = kindOf(violation);
      } else {
        long occurrence = planner.nextOccurrence(call.model(), call.prompt());
        draw =
            Hashing.combine(
                cfg.seed(), Hashing.of(call.model()), Hashing.of(call.prompt()), occurrence);
        fault =
            planner
                .choose(
                    cfg.faults(),
                    profile,
                    call.protocol(),
                    call.model(),
                    call.requestedModel(),
                    call.prompt(),
                    occurrence,
                    draw)
                .orElse(null);
        if (fault != null && fault.isQuotaRejection()) {
          violation = forced(fault, limits, now, draw, cfg.timeScale());
        } else {
          violation = null;
          bucket.record(call.images(), now);
        }
      }
      if (cfg.quotas().rateLimitHeaders()) {
        window =
            new Verdict.RateWindow(
                limits.rpm(),
                Math.max(0, limits.rpm() - bucket.inWindow(now)),
                bucket.untilOldestLeaves(now));
      }
    }
    Duration latency =
        LatencyModel.sample(
            cfg.latency(),
            cfg.timeScale(),
            profile.latencyFactor(),
            call.model(),
            call.sizeKey(),
            fault == null ? FaultKind.Latency.FULL : fault.latency(),
            draw);
    boolean rejected = fault != null && fault.isQuotaRejection();
    Verdict verdict = new Verdict(fault, violation, latency, peak, draw, window);
    stats.record(
        call.model(), call.project(), verdict.outcome(), !rejected, rejected, quotaRefused);
    return verdict;
  }

  /** Records a call refused before the decision (bad key, unknown model, invalid argument). */
  public void recordRequestError(String model, String project, String outcome) {
    stats.record(model, project, outcome, false, false, false);
  }

  private static FaultKind kindOf(QuotaViolation v) {
    if (v.limitZero()) {
      return FaultKind.LIMIT_ZERO;
    }
    return v.dimension().perDay() ? FaultKind.DAILY_QUOTA : FaultKind.RATE_LIMITED;
  }

  /**
   * The violation a forced quota fault pretends to be. A forced per-minute 429 has no real window
   * to wait for, so its hint is a deterministic 1-30 s, scaled like latency so fast tests stay
   * fast.
   */
  private static QuotaViolation forced(
      FaultKind kind, QuotaLimits limits, Instant now, long draw, double timeScale) {
    return switch (kind) {
      case RATE_LIMITED -> {
        double seconds = 1 + 29 * Hashing.unit(Hashing.mix(draw ^ 0x3L));
        yield new QuotaViolation(
            QuotaDimension.REQUESTS_PER_MINUTE,
            limits.rpm(),
            limits.rpm(),
            Duration.ofNanos(Math.round(seconds * timeScale * 1e9)));
      }
      case RATE_LIMITED_NO_HINT ->
          new QuotaViolation(QuotaDimension.REQUESTS_PER_MINUTE, limits.rpm(), limits.rpm(), null);
      case DAILY_QUOTA ->
          new QuotaViolation(
              QuotaDimension.REQUESTS_PER_DAY,
              limits.rpd(),
              limits.rpd(),
              QuotaLedger.untilPacificMidnight(now));
      case LIMIT_ZERO -> new QuotaViolation(QuotaDimension.REQUESTS_PER_DAY, 0, 0, null);
      default -> null; // INSUFFICIENT_QUOTA is billing, not a quota window
    };
  }
}
