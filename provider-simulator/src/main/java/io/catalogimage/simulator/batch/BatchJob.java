package io.catalogimage.simulator.batch;

import io.catalogimage.simulator.fault.FaultKind;
import io.catalogimage.simulator.fault.Hashing;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One provider batch job, protocol-neutral. Its whole future is decided when it is created (the
 * turnaround, which lines fail, when each line finishes), so its state at any instant of the
 * simulator's clock is a pure function: moving the clock moves the job, and no timer thread runs.
 *
 * <p>Line {@code i} finishes at {@code created + turnaround * f(i)} with {@code f} spread over
 * (0.05, 1]; the job is PENDING for the first 5% of its turnaround. A job whose turnaround is
 * longer than its window EXPIRES at the window's end with the lines finished by then; a cancelled
 * job keeps the lines finished before the cancel.
 */
public final class BatchJob {
  /** Where a job stands; the protocols name these in their own words. */
  public enum Phase {
    PENDING,
    RUNNING,
    SUCCEEDED,
    EXPIRED,
    CANCELLED;

    public boolean terminal() {
      return this == SUCCEEDED || this == EXPIRED || this == CANCELLED;
    }
  }

  /**
   * One request of the job.
   *
   * @param key the caller's correlation key ({@code metadata.key} / {@code key} / {@code
   *     custom_id})
   * @param request the protocol's parsed request (null when the line was invalid)
   * @param prompt the request's prompt text
   * @param fault what happens to it: null = success; a block, a downgrade, or HTTP_500 (failed
   *     line)
   * @param invalid why the line was refused at validation (null = valid)
   */
  public record Line(String key, Object request, String prompt, FaultKind fault, String invalid) {}

  private final String id;
  private final String project;
  private final String model;
  private final String displayName;
  private final List<Line> lines;
  private final Instant created;
  private final Duration turnaround;
  private final Duration window;
  private final long seed;
  private final AtomicReference<Instant> cancelled = new AtomicReference<>();

  BatchJob(
      String id,
      String project,
      String model,
      String displayName,
      List<Line> lines,
      Instant created,
      Duration turnaround,
      Duration window,
      long seed) {
    this.id = id;
    this.project = project;
    this.model = model;
    this.displayName = displayName;
    this.lines = List.copyOf(lines);
    this.created = created;
    this.turnaround = turnaround;
    this.window = window;
    this.seed = seed;
  }

  public String id() {
    return id;
  }

  public String project() {
    return project;
  }

  public String model() {
    return model;
  }

  public String displayName() {
    return displayName;
  }

  public List<Line> lines() {
    return lines;
  }

  public Instant created() {
    return created;
  }

  /** The (scaled) turnaround drawn for this job. */
  public Duration turnaround() {
    return turnaround;
  }

  /** When the job expires if it has not finished (created + scaled window). */
  public Instant expiresAt() {
    return created.plus(window);
  }

  /** Marks the job cancelled at {@code now}; false when it had already ended. */
  public boolean cancel(Instant now) {
    if (phase(now).terminal()) {
      return false;
    }
    return cancelled.compareAndSet(null, now);
  }

  /** The instant the job ended (succeeded, expired or cancelled), or null while it runs. */
  public Instant endedAt(Instant now) {
    Instant c = cancelled.get();
    Instant natural = turnaround.compareTo(window) <= 0 ? created.plus(turnaround) : expiresAt();
    if (c != null && c.isBefore(natural)) {
      return c;
    }
    return now.isBefore(natural) ? null : natural;
  }

  public Phase phase(Instant now) {
    Instant c = cancelled.get();
    Instant natural = turnaround.compareTo(window) <= 0 ? created.plus(turnaround) : expiresAt();
    if (c != null && c.isBefore(natural)) {
      return Phase.CANCELLED;
    }
    if (!now.isBefore(natural)) {
      return turnaround.compareTo(window) <= 0 ? Phase.SUCCEEDED : Phase.EXPIRED;
    }
    return now.isBefore(created.plus(scaled(turnaround, 0.05))) ? Phase.PENDING : Phase.RUNNING;
  }

  /** Whether line {@code i} has finished (with its result or its failure) at {@code now}. */
  public boolean finished(int i, Instant now) {
    Instant done = finishesAt(i);
    Instant end = endedAt(now);
    Instant horizon = end != null ? end : now;
    return !done.isAfter(horizon);
  }

  /** How many lines have finished at {@code now}. */
  public int finishedCount(Instant now) {
    int n = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (finished(i, now)) {
        n++;
      }
    }
    return n;
  }

  /** How many finished lines failed at {@code now}. */
  public int failedCount(Instant now) {
    int n = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (finished(i, now) && failed(lines.get(i))) {
        n++;
      }
    }
    return n;
  }

  /** A failed line: refused at validation or a server error inside the job. */
  public static boolean failed(Line line) {
    return line.invalid() != null || line.fault() == FaultKind.HTTP_500;
  }

  Instant finishesAt(int i) {
    double f = 0.05 + 0.95 * Hashing.unit(Hashing.combine(seed, Hashing.of(id), i));
    return created.plus(scaled(turnaround, f));
  }

  private static Duration scaled(Duration d, double factor) {
    return Duration.ofNanos(Math.round(d.toNanos() * factor));
  }
}
