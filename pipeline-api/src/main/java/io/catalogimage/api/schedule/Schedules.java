package io.catalogimage.api.schedule;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.exceptions.TaskInstanceCurrentlyExecutingException;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import io.catalogimage.api.intake.FeedIntake;
import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.FieldProblem;
import io.catalogimage.api.problem.InvalidSubmission;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.api.schedule.ScheduleRequest.CredentialsRequest;
import io.catalogimage.api.schedule.feed.FeedFormat;
import io.catalogimage.api.schedule.feed.FieldMapping;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.id.Uuids;
import io.catalogimage.common.json.Json;
import java.net.URI;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * A tenant's schedules: checked completely before anything is stored (every problem named by its
 * field), each with its firing kept in db-scheduler's table in the same transaction.
 */
@Service
class Schedules {

  private static final Pattern HH_MM = Pattern.compile("([01]\\d|2[0-3]):[0-5]\\d");
  private static final int MAX_NAME = 200;
  private static final int MAX_URL = 2048;
  private static final int MAX_KEY = 1024;
  private static final int MAX_SECRET = 4096;

  private final ScheduleRepository schedules;
  private final RunRepository runs;
  private final Runs runControl;
  private final FeedIntake intake;
  private final FeedFetcher fetcher;
  private final FeedSecrets secrets;
  private final SchedulerClient scheduler;
  private final Clock clock;
  private final double defaultHold;

  Schedules(
      ScheduleRepository schedules,
      RunRepository runs,
      Runs runControl,
      FeedIntake intake,
      FeedFetcher fetcher,
      FeedSecrets secrets,
      SchedulerClient scheduler,
      Clock clock,
      ScheduleProperties props) {
    this.defaultHold = props.holdWhenLost();
    this.schedules = schedules;
    this.runs = runs;
    this.runControl = runControl;
    this.intake = intake;
    this.fetcher = fetcher;
    this.secrets = secrets;
    this.scheduler = scheduler;
    this.clock = clock;
  }

  @Transactional
  ScheduleRepository.Stored create(TenantId tenant, ScheduleRequest request) {
    UUID id = Uuids.v7();
    Checked checked = check(tenant, id, request, null);
    Instant now = clock.instant();
    boolean paused = Boolean.TRUE.equals(request.paused());
    Instant next = paused ? null : checked.spec().fireTimes().next(now);
    ScheduleRepository.Stored stored =
        new ScheduleRepository.Stored(
            id, tenant, checked.spec(), checked.sealed(), paused ? now : null, next, now, now);
    schedules.insert(stored, now);
    if (next != null) {
      scheduler.scheduleIfNotExists(fire(id), next);
    }
    return stored;
  }

  @Transactional
  ScheduleRepository.Stored update(TenantId tenant, UUID id, ScheduleRequest request) {
    ScheduleRepository.Stored existing = get(tenant, id);
    Checked checked = check(tenant, id, request, existing);
    Instant now = clock.instant();
    Instant next = existing.pausedAt() != null ? null : checked.spec().fireTimes().next(now);
    schedules.update(tenant, id, checked.spec(), checked.sealed(), next, now);
    if (next != null) {
      refire(id, next);
    }
    return get(tenant, id);
  }

  ScheduleRepository.Stored get(TenantId tenant, UUID id) {
    return schedules.find(tenant, id).orElseThrow(() -> notFound(id));
  }

  List<ScheduleRepository.Stored> list(TenantId tenant) {
    return schedules.list(tenant);
  }

  @Transactional
  void delete(TenantId tenant, UUID id) {
    get(tenant, id);
    cancelFiring(id);
    schedules.delete(tenant, id);
  }

  @Transactional
  ScheduleRepository.Stored pause(TenantId tenant, UUID id) {
    ScheduleRepository.Stored s = get(tenant, id);
    if (s.pausedAt() == null) {
      Instant now = clock.instant();
      schedules.setPaused(id, now, null, now);
      cancelFiring(id);
    }
    return get(tenant, id);
  }

  /** Fires again from the next due time on; firings while paused are not made up. */
  @Transactional
  ScheduleRepository.Stored resume(TenantId tenant, UUID id) {
    ScheduleRepository.Stored s = get(tenant, id);
    if (s.pausedAt() != null) {
      Instant now = clock.instant();
      Instant next = s.spec().fireTimes().next(now);
      schedules.setPaused(id, null, next, now);
      refire(id, next);
    }
    return get(tenant, id);
  }

  /** A run now (paused or not), under the schedule's overlap policy. */
  @Transactional
  Runs.Started runNow(TenantId tenant, UUID id) {
    get(tenant, id);
    ScheduleRepository.Stored locked = schedules.lock(id).orElseThrow(() -> notFound(id));
    Instant now = clock.instant();
    return runControl
        .start(locked, Runs.MANUAL, now, now)
        .orElseThrow(
            () ->
                new ApiProblem(
                    HttpStatus.CONFLICT,
                    ProblemTypes.CONFLICT,
                    "Conflict",
                    "a run was started for this schedule at this very moment; retry"));
  }

  @Transactional
  void confirm(TenantId tenant, UUID schedule, UUID runId) {
    RunRepository.Run run = heldRun(tenant, schedule, runId);
    runControl.confirm(run, clock.instant());
  }

  @Transactional
  void reject(TenantId tenant, UUID schedule, UUID runId) {
    RunRepository.Run run = heldRun(tenant, schedule, runId);
    runControl.fail(
        run,
        RunState.HELD,
        RunState.REJECTED,
        "rejected by the merchant after a hold",
        clock.instant());
  }

  private RunRepository.Run heldRun(TenantId tenant, UUID schedule, UUID runId) {
    get(tenant, schedule);
    schedules.lock(schedule);
    RunRepository.Run run =
        runs.lock(runId)
            .filter(r -> r.schedule().equals(schedule))
            .orElseThrow(() -> ApiProblem.notFound("no run " + runId + " in schedule " + schedule));
    if (run.state() != RunState.HELD) {
      throw new ApiProblem(
          HttpStatus.CONFLICT,
          ProblemTypes.CONFLICT,
          "Conflict",
          "run "
              + runId
              + " is "
              + run.state()
              + ", not HELD: only a held run is confirmed or rejected");
    }
    return run;
  }

  private void refire(UUID id, Instant next) {
    try {
      scheduler.schedule(fire(id), next, SchedulerClient.ScheduleOptions.WHEN_EXISTS_RESCHEDULE);
    } catch (TaskInstanceCurrentlyExecutingException firing) {
      // it is firing right now and will reschedule itself from the schedule as it is now
    }
  }

  private void cancelFiring(UUID id) {
    try {
      scheduler.cancel(fire(id));
    } catch (com.github.kagkarlsson.scheduler.exceptions.TaskInstanceNotFoundException gone) {
      // nothing to cancel
    } catch (TaskInstanceCurrentlyExecutingException firing) {
      // it is firing right now: it finds the schedule paused or gone and stops there
    }
  }

  static TaskInstance<Void> fire(UUID id) {
    return new TaskInstance<>(Runs.FIRE_TASK, id.toString());
  }

  static ApiProblem notFound(UUID id) {
    return ApiProblem.notFound("no schedule " + id);
  }

  /** A checked request: the spec to store and the sealed secret (kept or new). */
  private record Checked(ScheduleSpec spec, String sealed) {}

  private Checked check(
      TenantId tenant, UUID id, ScheduleRequest r, ScheduleRepository.Stored existing) {
    List<FieldProblem> problems = new ArrayList<>();
    if (r == null) {
      throw new InvalidSubmission(List.of(FieldProblem.at(null, "the body must be a schedule")), 1);
    }
    String name = r.name() == null || r.name().isBlank() ? "unnamed schedule" : r.name().strip();
    if (name.length() > MAX_NAME) {
      problems.add(FieldProblem.at("name", "is longer than " + MAX_NAME + " characters"));
    }
    ZoneId zone = ZoneId.of("UTC");
    String zoneText = r.timeZone() == null ? "UTC" : r.timeZone().strip();
    try {
      zone = ZoneId.of(zoneText);
    } catch (DateTimeException e) {
      problems.add(
          FieldProblem.at(
              "timeZone",
              "'" + r.timeZone() + "' is not a time zone such as Europe/Berlin or UTC"));
    }
    if ((r.cron() == null) == (r.dailyAt() == null)) {
      problems.add(
          FieldProblem.at(
              r.cron() == null ? "dailyAt" : "cron",
              "give exactly one of cron (e.g. \"0 2 * * *\") or dailyAt (e.g. \"02:00\")"));
    } else if (r.cron() != null) {
      try {
        FireTimes.parseCron(r.cron());
      } catch (IllegalArgumentException e) {
        problems.add(
            FieldProblem.at(
                "cron",
                "'"
                    + r.cron()
                    + "' is not a cron expression (minute hour day month weekday, e.g. \"0 2 * *"
                    + " *\"): "
                    + e.getMessage()));
      }
    } else if (!HH_MM.matcher(r.dailyAt()).matches()) {
      problems.add(FieldProblem.at("dailyAt", "'" + r.dailyAt() + "' is not HH:mm, e.g. 02:00"));
    }
    if (r.deadline() != null && !HH_MM.matcher(r.deadline()).matches()) {
      problems.add(
          FieldProblem.at(
              "deadline", "'" + r.deadline() + "' is not a local time HH:mm, e.g. 06:00"));
    }
    String format = r.format() == null ? FeedFormat.CSV.id() : r.format().strip();
    Optional<FeedFormat> feedFormat = FeedFormat.byId(format);
    if (feedFormat.isEmpty()) {
      problems.add(
          FieldProblem.at(
              "format", "unknown format '" + format + "': use one of " + FeedFormat.ids()));
    }
    Map<String, String> mapping =
        r.fieldMapping() == null ? Map.of() : new LinkedHashMap<>(r.fieldMapping());
    for (Map.Entry<String, String> e : mapping.entrySet()) {
      if (!FieldMapping.FIELDS.contains(e.getKey())) {
        problems.add(
            FieldProblem.at(
                "fieldMapping." + e.getKey(),
                "unknown field: map one of " + FieldMapping.FIELDS + " to your column"));
      } else if (e.getValue() != null && e.getValue().length() > 200) {
        problems.add(
            FieldProblem.at("fieldMapping." + e.getKey(), "is longer than 200 characters"));
      }
    }
    if (mapping.containsKey("sku")
        && (mapping.get("sku") == null || mapping.get("sku").isBlank())) {
      problems.add(FieldProblem.at("fieldMapping.sku", "every product needs a SKU column"));
    }
    String overlap = r.overlap() == null ? ScheduleSpec.SKIP : r.overlap().strip();
    if (!overlap.equals(ScheduleSpec.SKIP) && !overlap.equals(ScheduleSpec.QUEUE_ONE)) {
      problems.add(FieldProblem.at("overlap", "use skip or queue-one, not '" + overlap + "'"));
    }
    String badRows = r.badRows() == null ? "skip" : r.badRows().strip();
    if (!badRows.equals("skip") && !badRows.equals(ScheduleSpec.REJECT)) {
      problems.add(FieldProblem.at("badRows", "use skip or reject, not '" + badRows + "'"));
    }
    double hold = r.holdWhenLost() == null ? defaultHold : r.holdWhenLost();
    if (!(hold > 0 && hold <= 1)) {
      problems.add(FieldProblem.at("holdWhenLost", "must be more than 0 and at most 1"));
    }
    Source source = source(tenant, id, r.source(), existing, problems);
    // stored as given: a run without a lane takes the default of its day (see WorkRuns)
    FeedIntake.Options batch = r.batch() == null ? emptyOptions() : r.batch();
    try {
      intake.check(tenant, batch.orDefaults(WorkRuns.DEFAULT_LANE, null), null);
    } catch (InvalidSubmission invalid) {
      for (FieldProblem p : invalid.problems()) {
        problems.add(
            FieldProblem.at(p.field() == null ? "batch" : "batch." + p.field(), p.message()));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidSubmission(problems, problems.size());
    }
    ScheduleSpec spec =
        new ScheduleSpec(
            name,
            r.cron() == null ? null : r.cron().strip(),
            r.dailyAt(),
            zone.getId(),
            r.deadline(),
            source.spec(),
            feedFormat.get().id(),
            mapping,
            Boolean.TRUE.equals(r.imageLinkAsReference()),
            batch,
            overlap,
            badRows,
            hold,
            r.catchUp() == null || r.catchUp());
    try {
      spec.fireTimes().next(clock.instant());
    } catch (IllegalStateException e) {
      throw new InvalidSubmission(List.of(FieldProblem.at("cron", e.getMessage())), 1);
    }
    return new Checked(spec, source.sealed());
  }

  private record Source(ScheduleSpec.Source spec, String sealed) {}

  private Source source(
      TenantId tenant,
      UUID id,
      ScheduleRequest.SourceRequest s,
      ScheduleRepository.Stored existing,
      List<FieldProblem> problems) {
    if (s == null || (s.url() == null) == (s.objectKey() == null)) {
      problems.add(
          FieldProblem.at(
              "source",
              "give exactly one of url (\"https://...\") or objectKey (a key under your prefix)"));
      return new Source(null, null);
    }
    if (s.objectKey() != null) {
      String key = s.objectKey();
      if (key.isBlank()
          || key.length() > MAX_KEY
          || key.startsWith("/")
          || key.contains("\\")
          || key.chars().anyMatch(Character::isISOControl)
          || List.of(key.split("/")).contains("..")) {
        problems.add(
            FieldProblem.at(
                "source.objectKey",
                "must be a relative key under your prefix (no leading /, no .. segments), at most "
                    + MAX_KEY
                    + " characters"));
      }
      if (s.credentials() != null && !"none".equals(s.credentials().type())) {
        problems.add(FieldProblem.at("source.credentials", "only a URL source takes credentials"));
      }
      return new Source(new ScheduleSpec.Source(null, key, null), null);
    }
    String url = s.url().strip();
    if (url.length() > MAX_URL) {
      problems.add(FieldProblem.at("source.url", "is longer than " + MAX_URL + " characters"));
    } else {
      fetcher.refusal(url).ifPresent(why -> problems.add(FieldProblem.at("source.url", why)));
    }
    CredentialsRequest c = s.credentials();
    if (c == null) {
      // kept from before while the host stays the same (the api never shows them to copy back)
      if (existing != null
          && existing.spec().source().credentials() != null
          && existing.spec().source().url() != null
          && sameHost(existing.spec().source().url(), url)) {
        return new Source(
            new ScheduleSpec.Source(url, null, existing.spec().source().credentials()),
            existing.sealedSecret());
      }
      return new Source(new ScheduleSpec.Source(url, null, null), null);
    }
    String type = c.type() == null ? "" : c.type().strip();
    if (type.equals("none")) {
      return new Source(new ScheduleSpec.Source(url, null, null), null);
    }
    if (!type.equals("basic") && !type.equals("bearer")) {
      problems.add(
          FieldProblem.at(
              "source.credentials.type", "use basic, bearer or none, not '" + type + "'"));
      return new Source(null, null);
    }
    String secret = type.equals("basic") ? c.password() : c.token();
    String secretField = type.equals("basic") ? "password" : "token";
    if (type.equals("basic") && (c.username() == null || c.username().isEmpty())) {
      problems.add(FieldProblem.at("source.credentials.username", "is required for basic"));
    }
    if (type.equals("basic") && c.username() != null && c.username().contains(":")) {
      problems.add(FieldProblem.at("source.credentials.username", "must not contain ':'"));
    }
    if (type.equals("bearer") && c.username() != null) {
      problems.add(FieldProblem.at("source.credentials.username", "is only for basic"));
    }
    if ((secret == null) == (c.secretRef() == null)) {
      problems.add(
          FieldProblem.at(
              "source.credentials." + secretField,
              "give exactly one of " + secretField + " or secretRef"));
      return new Source(null, null);
    }
    if (c.secretRef() != null) {
      if (!FeedSecrets.REF.matcher(c.secretRef()).matches()) {
        problems.add(
            FieldProblem.at(
                "source.credentials.secretRef",
                "must be 1-64 letters, digits, '_' or '-', starting with a letter or digit"));
      }
      return new Source(
          new ScheduleSpec.Source(
              url,
              null,
              new ScheduleSpec.Credentials(type, "secretRef", c.secretRef(), c.username())),
          null);
    }
    if (secret.isEmpty()
        || secret.length() > MAX_SECRET
        || secret.chars().anyMatch(Character::isISOControl)) {
      problems.add(
          FieldProblem.at(
              "source.credentials." + secretField,
              "must be 1-" + MAX_SECRET + " characters without control characters"));
      return new Source(null, null);
    }
    if (!secrets.canSeal()) {
      problems.add(
          FieldProblem.at(
              "source.credentials." + secretField,
              "this server has no pipeline.schedules.credentials-key to store secrets with: give"
                  + " a secretRef (a secret your operator provides) instead"));
      return new Source(null, null);
    }
    Map<String, String> plain = new LinkedHashMap<>();
    plain.put("username", c.username());
    plain.put("secret", secret);
    return new Source(
        new ScheduleSpec.Source(
            url, null, new ScheduleSpec.Credentials(type, "encrypted", null, null)),
        secrets.seal(Json.mapper().writeValueAsString(plain), id.toString()));
  }

  private static boolean sameHost(String a, String b) {
    try {
      return Objects.equals(
          URI.create(a).getHost().toLowerCase(java.util.Locale.ROOT),
          URI.create(b).getHost().toLowerCase(java.util.Locale.ROOT));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static FeedIntake.Options emptyOptions() {
    return new FeedIntake.Options(
        null, null, null, null, null, null, null, null, null, null, null, null);
  }
}
