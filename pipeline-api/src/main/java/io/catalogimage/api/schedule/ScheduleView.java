package io.catalogimage.api.schedule;

import io.catalogimage.api.intake.FeedIntake;
import java.time.Instant;
import java.util.Map;

/**
 * A schedule as the api shows it: its definition (credentials only as their type and how they are
 * kept, never the secret), whether it is paused, when it fires next, and its last run.
 */
record ScheduleView(
    String id,
    String name,
    String cron,
    String dailyAt,
    String timeZone,
    String deadline,
    SourceView source,
    String format,
    Map<String, String> fieldMapping,
    boolean imageLinkAsReference,
    FeedIntake.Options batch,
    String overlap,
    String badRows,
    double holdWhenLost,
    boolean catchUp,
    boolean paused,
    Instant pausedAt,
    Instant nextRunAt,
    Instant createdAt,
    Instant updatedAt,
    Map<String, Object> lastRun,
    Map<String, String> links) {

  record SourceView(String url, String objectKey, CredentialsView credentials) {}

  record CredentialsView(String type, String stored, String secretRef) {}

  static ScheduleView of(ScheduleRepository.Stored s, Map<String, Object> lastRun) {
    ScheduleSpec spec = s.spec();
    ScheduleSpec.Credentials c = spec.source().credentials();
    String self = "/v1/schedules/" + s.id();
    return new ScheduleView(
        s.id().toString(),
        spec.name(),
        spec.cron(),
        spec.dailyAt(),
        spec.timeZone(),
        spec.deadline(),
        new SourceView(
            spec.source().url(),
            spec.source().objectKey(),
            c == null ? null : new CredentialsView(c.type(), c.stored(), c.secretRef())),
        spec.format(),
        spec.fieldMapping(),
        spec.imageLinkAsReference(),
        spec.batch(),
        spec.overlap(),
        spec.badRows(),
        spec.holdWhenLost(),
        spec.catchUp(),
        s.pausedAt() != null,
        s.pausedAt(),
        s.nextDueAt(),
        s.createdAt(),
        s.updatedAt(),
        lastRun,
        Map.of(
            "self", self,
            "runs", self + "/runs",
            "run", self + "/run",
            "pause", self + "/pause",
            "resume", self + "/resume"));
  }
}
