package io.catalogimage.simulator.batch;

import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.BatchSettings;
import io.catalogimage.simulator.config.FaultSettings;
import io.catalogimage.simulator.config.PeakProfile;
import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.FaultPlanner;
import io.catalogimage.simulator.fault.Hashing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The batch jobs and uploaded files of both protocols, in memory (a restarted simulator forgets
 * them, as a provider never would: tests that restart the pipeline keep the simulator running).
 */
public final class BatchStore {
  /** Gemini: at most 100 concurrent batch jobs per project (reference §3.1). */
  public static final int MAX_ACTIVE_PER_PROJECT = 100;

  /** An uploaded (or produced) file. */
  public record StoredFile(
      String id, String project, String name, String purpose, byte[] bytes, Instant created) {}

  /** A line as the protocol parsed it, before its outcome is drawn. */
  public record Draft(String key, Object request, String prompt, String invalid) {}

  private final Map<String, BatchJob> jobs = new ConcurrentHashMap<>();
  private final Map<String, StoredFile> files = new ConcurrentHashMap<>();
  private final FaultPlanner planner;

  public BatchStore(FaultPlanner planner) {
    this.planner = planner;
  }

  /**
   * Creates a job: draws its turnaround (uniform min..max, or the tail), each line's outcome
   * (trigger words such as {@code [sim:HTTP_500:1]} or {@code [sim:IMAGE_SAFETY]}, else a failure
   * at {@code lineFailureRate}), all scaled by the time scale and anchored at {@code now}.
   */
  public BatchJob create(
      SimulatorConfig cfg,
      FaultKind.Protocol protocol,
      String idPrefix,
      String project,
      String model,
      String displayName,
      List<Draft> drafts,
      Duration window,
      Instant now) {
    String id = idPrefix + HexFormat.of().formatHex(randomBytes());
    BatchSettings s = cfg.batch();
    long jobHash = Hashing.combine(cfg.seed(), Hashing.of(id));
    Duration turnaround;
    if (Hashing.unit(Hashing.mix(jobHash ^ 0x7L)) < s.tailShare()) {
      turnaround = s.tailTurnaround();
    } else {
      double u = Hashing.unit(Hashing.mix(jobHash ^ 0x11L));
      long span = s.turnaroundMax().minus(s.turnaroundMin()).toNanos();
      turnaround = s.turnaroundMin().plusNanos(Math.round(span * u));
    }
    FaultSettings triggersOnly = new FaultSettings(cfg.faults().triggers(), Map.of(), Map.of());
    List<BatchJob.Line> lines = new ArrayList<>(drafts.size());
    for (Draft d : drafts) {
      FaultKind fault = null;
      if (d.invalid() == null) {
        long occurrence = planner.nextOccurrence(model, d.prompt());
        long draw =
            Hashing.combine(cfg.seed(), Hashing.of(model), Hashing.of(d.prompt()), occurrence);
        Optional<FaultKind> triggered =
            planner.choose(
                triggersOnly,
                PeakProfile.NEUTRAL,
                protocol,
                model,
                model,
                d.prompt(),
                occurrence,
                draw);
        fault = triggered.map(BatchStore::asLineOutcome).orElse(null);
        if (triggered.isEmpty()
            && Hashing.unit(Hashing.combine(jobHash, Hashing.of(d.key()))) < s.lineFailureRate()) {
          fault = FaultKind.HTTP_500;
        }
      }
      lines.add(new BatchJob.Line(d.key(), d.request(), d.prompt(), fault, d.invalid()));
    }
    BatchJob job =
        new BatchJob(
            id,
            project,
            model,
            displayName,
            lines,
            now,
            scale(turnaround, cfg.timeScale()),
            scale(window, cfg.timeScale()),
            cfg.seed());
    jobs.put(id, job);
    return job;
  }

  public Optional<BatchJob> job(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  public boolean delete(String id) {
    return jobs.remove(id) != null;
  }

  public List<BatchJob> jobsOf(String project) {
    return jobs.values().stream()
        .filter(j -> j.project().equals(project))
        .sorted((a, b) -> b.created().compareTo(a.created()))
        .toList();
  }

  public long activeJobs(String project, Instant now) {
    return jobs.values().stream()
        .filter(j -> j.project().equals(project) && !j.phase(now).terminal())
        .count();
  }

  public StoredFile putFile(
      String idPrefix, String project, String name, String purpose, byte[] bytes, Instant now) {
    String id = idPrefix + HexFormat.of().formatHex(randomBytes());
    StoredFile f = new StoredFile(id, project, name, purpose, bytes, now);
    files.put(id, f);
    return f;
  }

  public Optional<StoredFile> file(String id) {
    return Optional.ofNullable(files.get(id));
  }

  /** Forgets every job and file. */
  public void reset() {
    jobs.clear();
    files.clear();
  }

  /**
   * What a drawn fault means for a line inside a job: a transport or quota fault cannot happen to
   * one line of a job, so it becomes a failed line (server error); blocks and downgrades stay.
   */
  private static FaultKind asLineOutcome(FaultKind kind) {
    return switch (kind) {
      case HANG,
          CONNECTION_RESET,
          RATE_LIMITED,
          RATE_LIMITED_NO_HINT,
          DAILY_QUOTA,
          LIMIT_ZERO,
          INSUFFICIENT_QUOTA,
          HTTP_503,
          HTTP_504 ->
          FaultKind.HTTP_500;
      default -> kind;
    };
  }

  private static Duration scale(Duration d, double timeScale) {
    return Duration.ofNanos(Math.round(d.toNanos() * timeScale));
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }
}
