package io.catalogimage.api.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A schedule's firing, run by db-scheduler (one api instance per due time): starts the run of the
 * due time and says when the schedule fires next. After an outage the due times passed meanwhile
 * are found: the latest is caught up once if its deadline can still be met, judged by how long the
 * last run took to generate (else recorded MISSED), the older ones are recorded MISSED.
 */
@Component
class FireSchedules {

  private static final Logger log = LoggerFactory.getLogger(FireSchedules.class);

  /** A firing this late is a catch-up (a firing within it is simply on time). */
  static final Duration LATE = Duration.ofMinutes(5);

  private final ScheduleRepository schedules;
  private final RunRepository history;
  private final Runs runs;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final int maxMissedRecorded;

  FireSchedules(
      ScheduleRepository schedules,
      RunRepository history,
      Runs runs,
      TransactionTemplate tx,
      Clock clock,
      ScheduleProperties props) {
    this.schedules = schedules;
    this.history = history;
    this.runs = runs;
    this.tx = tx;
    this.clock = clock;
    this.maxMissedRecorded = props.maxMissedRecorded();
  }

  /** How long the schedule's last completed run took from its diff to its end (none: zero). */
  private Duration generationTime(UUID schedule) {
    return history.lastGenerationTime(schedule).orElse(Duration.ZERO);
  }

  /**
   * Fires the schedule for the firing that was due at {@code due}.
   *
   * @return when it fires next, or null when it no longer fires (deleted, paused)
   */
  Instant fire(UUID scheduleId, Instant due) {
    return tx.execute(
        s -> {
          Optional<ScheduleRepository.Stored> found = schedules.lock(scheduleId);
          if (found.isEmpty() || found.get().pausedAt() != null) {
            return null;
          }
          ScheduleRepository.Stored schedule = found.get();
          Instant now = clock.instant();
          FireTimes times = schedule.spec().fireTimes();
          List<Instant> passed = new ArrayList<>();
          passed.add(due);
          Instant next = times.next(due);
          while (!next.isAfter(now)) {
            passed.add(next);
            next = times.next(next);
          }
          Instant latest = passed.get(passed.size() - 1);
          List<Instant> superseded = passed.subList(0, passed.size() - 1);
          int from = Math.max(0, superseded.size() - maxMissedRecorded);
          for (Instant missed : superseded.subList(from, superseded.size())) {
            runs.missed(
                schedule,
                missed,
                "not fired at "
                    + missed
                    + ": nothing was running; the firing of "
                    + latest
                    + " replaced it",
                now);
          }
          boolean late = Duration.between(latest, now).compareTo(LATE) > 0;
          Instant deadline = times.deadlineFor(latest);
          if (late && !schedule.spec().catchUp()) {
            runs.missed(
                schedule,
                latest,
                "due at " + latest + " but nothing was running until " + now + " (catchUp: false)",
                now);
          } else if (late
              && deadline != null
              && now.plus(generationTime(scheduleId)).isAfter(deadline)) {
            runs.missed(
                schedule,
                latest,
                "due at "
                    + latest
                    + " but nothing was running until "
                    + now
                    + (now.isBefore(deadline)
                        ? ": too late to finish before its deadline "
                            + deadline
                            + " (the last run took "
                            + generationTime(scheduleId).toMinutes()
                            + " min to generate)"
                        : ", after its deadline " + deadline),
                now);
          } else {
            runs.start(schedule, late ? Runs.CATCH_UP : Runs.SCHEDULED, latest, now)
                .ifPresent(
                    r ->
                        log.info(
                            "schedule {} fired for {}: run {} {}",
                            scheduleId,
                            latest,
                            r.run(),
                            r.state()));
          }
          schedules.setNextDue(scheduleId, next);
          return next;
        });
  }
}
