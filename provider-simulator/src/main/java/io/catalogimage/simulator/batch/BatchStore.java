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
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

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

  /** The trigger word that makes a job's create call go unanswered once. */
  public static final String ANSWER_LOST = "[sim:BATCH_ANSWER_LOST]";

  private final Map<String, BatchJob> jobs = new ConcurrentHashMap<>();
  private final Set<String> answersLost = ConcurrentHashMap.newKeySet();
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

  /**
   * One page of a project's jobs, newest first, that {@code include} accepts: the jobs after {@code
   * afterId} (the last job of the previous page; null = from the newest), at most {@code size}. A
   * cursor of a job id, not an offset, so jobs created while a caller pages do not shift the pages
   * (as the providers' own list calls behave).
   */
  public Page page(String project, String afterId, int size, Predicate<BatchJob> include) {
    List<BatchJob> all = jobsOf(project).stream().filter(include).toList();
    int from = 0;
    if (afterId != null) {
      from = all.size();
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).id().equals(afterId)) {
          from = i + 1;
          break;
        }
      }
    }
    int to = Math.min(all.size(), from + size);
    return new Page(all.subList(from, to), to < all.size());
  }

  /** A page of jobs and whether more follow. */
  public record Page(List<BatchJob> jobs, boolean hasMore) {}

  /**
   * True once per prompt for a job holding a line with the trigger word {@code
   * [sim:BATCH_ANSWER_LOST]}: the job is created and its create call then goes unanswered (the
   * connection is held for {@code faults.hangFor}, then closed), as when a provider accepts a job
   * and the client never hears of it (a reset, a timeout, a client killed while it waits).
   */
  public boolean loseCreateAnswer(List<Draft> drafts) {
    for (Draft d : drafts) {
      if (d.prompt() != null && d.prompt().contains(ANSWER_LOST) && answersLost.add(d.prompt())) {
        return true;
      }
    }
    return false;
  }

  public List<BatchJob> jobsOf(String project) {
    return jobs.values().stream()
        .filter(j -> j.project().equals(project))
        .sorted(Comparator.comparing(BatchJob::created).thenComparing(BatchJob::id).reversed())
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

  /**
   * How many times each line key has run (and so been billed) in any job up to {@code now}: what a
   * provider's invoice would show per request. A key above 1 was paid for twice.
   */
  public Map<String, Integer> linesRunByKey(Instant now) {
    Map<String, Integer> out = new java.util.TreeMap<>();
    for (BatchJob job : jobs.values()) {
      for (int i = 0; i < job.lines().size(); i++) {
        if (job.lines().get(i).invalid() == null && job.finished(i, now)) {
          out.merge(job.lines().get(i).key(), 1, Integer::sum);
        }
      }
    }
    return out;
  }

  /** True when some job carries this Gemini display name or OpenAI {@code metadata.name}. */
  public boolean holdsJobNamed(String name) {
    String openAi = "\"name\":\"" + name + "\"";
    return jobs.values().stream()
        .anyMatch(j -> j.displayName().equals(name) || j.displayName().contains(openAi));
  }

  /** Forgets every job and file. */
  public void reset() {
    jobs.clear();
    files.clear();
    answersLost.clear();
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
