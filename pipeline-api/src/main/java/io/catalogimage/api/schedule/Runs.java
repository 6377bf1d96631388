package io.catalogimage.api.schedule;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import io.catalogimage.common.id.Uuids;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Starts and ends runs: the overlap policy (skip, or queue one behind the open run), a run's first
 * step handed to the scheduler in the same transaction, and the next queued run started when one
 * ends. Every method runs in the caller's transaction, which holds the schedule's row.
 */
@Component
class Runs {

  static final String FIRE_TASK = "schedule-fire";
  static final String RUN_TASK = "schedule-run";

  static final String SCHEDULED = "SCHEDULE";
  static final String CATCH_UP = "CATCH_UP";
  static final String MANUAL = "MANUAL";

  private final RunRepository runs;
  private final ScheduleEvents events;
  private final SchedulerClient scheduler;

  /** The client is lazy: the scheduler's tasks (and so the client) need this class first. */
  Runs(
      RunRepository runs,
      ScheduleEvents events,
      @org.springframework.context.annotation.Lazy SchedulerClient scheduler) {
    this.runs = runs;
    this.events = events;
    this.scheduler = scheduler;
  }

  /** What became of a firing. */
  record Started(UUID run, RunState state) {}

  /**
   * A run is due: started at once, or SKIPPED / QUEUED by the overlap policy. Empty when this due
   * time already has its run (a second firing of the same time, e.g. by another api instance).
   */
  @Transactional(propagation = Propagation.MANDATORY)
  Optional<Started> start(
      ScheduleRepository.Stored schedule, String trigger, Instant due, Instant now) {
    Instant deadline = schedule.spec().fireTimes().deadlineFor(due);
    List<RunRepository.Run> open = runs.open(schedule.id());
    UUID id = Uuids.v7();
    RunState state;
    String reason = null;
    if (open.isEmpty()) {
      state = RunState.FETCHING;
    } else if (ScheduleSpec.QUEUE_ONE.equals(schedule.spec().overlap())) {
      Optional<RunRepository.Run> queued =
          open.stream().filter(r -> r.state() == RunState.QUEUED).findFirst();
      if (queued.isPresent()) {
        state = RunState.SKIPPED;
        reason = "run " + queued.get().id() + " is already queued (overlap: queue-one)";
      } else {
        state = RunState.QUEUED;
        reason = "waiting for run " + open.get(0).id() + " (" + open.get(0).state() + ")";
      }
    } else {
      state = RunState.SKIPPED;
      reason = "run " + open.get(0).id() + " was still " + open.get(0).state() + " (overlap: skip)";
    }
    if (!runs.insert(
        id, schedule.id(), schedule.tenant(), trigger, due, deadline, state, reason, now)) {
      return Optional.empty();
    }
    if (state == RunState.FETCHING) {
      scheduler.scheduleIfNotExists(new TaskInstance<Void>(RUN_TASK, id.toString()), now);
    }
    return Optional.of(new Started(id, state));
  }

  /** A firing that will not run, recorded with why (and announced). */
  @Transactional(propagation = Propagation.MANDATORY)
  void missed(ScheduleRepository.Stored schedule, Instant due, String reason, Instant now) {
    UUID id = Uuids.v7();
    Instant deadline = schedule.spec().fireTimes().deadlineFor(due);
    if (runs.insert(
        id,
        schedule.id(),
        schedule.tenant(),
        SCHEDULED,
        due,
        deadline,
        RunState.MISSED,
        reason,
        now)) {
      events.runFailed(schedule.id(), id, RunState.MISSED.name(), reason, now);
    }
  }

  /** Ends an open run without images (FETCH_FAILED, REJECTED), and starts the next queued one. */
  @Transactional(propagation = Propagation.MANDATORY)
  void fail(RunRepository.Run run, RunState from, RunState to, String reason, Instant now) {
    if (runs.move(run.id(), from, to, reason, now)) {
      events.runFailed(run.schedule(), run.id(), to.name(), reason, now);
      startNext(run.schedule(), now);
    }
  }

  /** After a run ended: the oldest queued run of the schedule starts (or is missed, too late). */
  @Transactional(propagation = Propagation.MANDATORY)
  void startNext(UUID schedule, Instant now) {
    Optional<RunRepository.Run> queued = runs.oldestQueued(schedule);
    if (queued.isEmpty()) {
      return;
    }
    RunRepository.Run next = queued.get();
    if (next.deadline() != null && !now.isBefore(next.deadline())) {
      String reason = "its deadline " + next.deadline() + " passed while it waited";
      if (runs.move(next.id(), RunState.QUEUED, RunState.MISSED, reason, now)) {
        events.runFailed(schedule, next.id(), RunState.MISSED.name(), reason, now);
      }
      return;
    }
    if (runs.move(next.id(), RunState.QUEUED, RunState.FETCHING, null, now)) {
      scheduler.scheduleIfNotExists(new TaskInstance<Void>(RUN_TASK, next.id().toString()), now);
    }
  }

  /** A held run was confirmed: it reads the feed again and goes through with its removals. */
  @Transactional(propagation = Propagation.MANDATORY)
  void confirm(RunRepository.Run run, Instant now) {
    runs.confirm(run.id(), now);
    scheduler.scheduleIfNotExists(new TaskInstance<Void>(RUN_TASK, run.id().toString()), now);
  }
}
