package io.catalogimage.api.schedule;

import io.catalogimage.api.input.StrictJson;
import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.FieldProblem;
import io.catalogimage.api.problem.InvalidSubmission;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.storage.ObjectStore;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;

/**
 * {@code /v1/schedules}: nightly runs from the tenant's own catalog feed. Every schedule and run is
 * the tenant's own: another tenant's id answers 404.
 */
@Tag(name = "Schedules")
@RestController
class ScheduleController {

  private static final ObjectReader REQUEST = StrictJson.mapper().readerFor(ScheduleRequest.class);

  private final Schedules schedules;
  private final RunRepository runs;
  private final ObjectStore store;

  ScheduleController(Schedules schedules, RunRepository runs, ObjectStore store) {
    this.schedules = schedules;
    this.runs = runs;
    this.store = store;
  }

  /**
   * Creates a schedule: when it fires (a cron expression or a daily time, in a time zone), where
   * its feed is and how to read it, the batch options of its runs and the local time they should be
   * done by. Each run generates only the products and variants whose inputs changed since the last
   * run.
   */
  @PostMapping(path = "/v1/schedules", consumes = MediaType.APPLICATION_JSON_VALUE)
  @ApiResponse(
      responseCode = "201",
      description = "the schedule, with its next run",
      content = @Content(schema = @Schema(implementation = ScheduleView.class)))
  ResponseEntity<ScheduleView> create(
      TenantId tenant,
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = ScheduleRequest.class)))
          @RequestBody(required = false)
          String body) {
    ScheduleRepository.Stored created = schedules.create(tenant, parse(body));
    return ResponseEntity.created(URI.create("/v1/schedules/" + created.id()))
        .body(view(tenant, created));
  }

  /** The tenant's schedules, oldest first. */
  @GetMapping("/v1/schedules")
  Map<String, List<ScheduleView>> list(TenantId tenant) {
    return Map.of("schedules", schedules.list(tenant).stream().map(s -> view(tenant, s)).toList());
  }

  /** One schedule, with its next firing and its last run. */
  @GetMapping("/v1/schedules/{scheduleId}")
  ScheduleView get(TenantId tenant, @PathVariable String scheduleId) {
    return view(tenant, schedules.get(tenant, id(scheduleId)));
  }

  /**
   * Replaces a schedule (the whole definition, as for create). Credentials left out are kept while
   * the URL's host stays the same; the next firing follows the new timing.
   */
  @PutMapping(path = "/v1/schedules/{scheduleId}", consumes = MediaType.APPLICATION_JSON_VALUE)
  ScheduleView update(
      TenantId tenant,
      @PathVariable String scheduleId,
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = ScheduleRequest.class)))
          @RequestBody(required = false)
          String body) {
    return view(tenant, schedules.update(tenant, id(scheduleId), parse(body)));
  }

  /** Deletes the schedule and its run history (its batches and images stay). */
  @DeleteMapping("/v1/schedules/{scheduleId}")
  ResponseEntity<Void> delete(TenantId tenant, @PathVariable String scheduleId) {
    schedules.delete(tenant, id(scheduleId));
    return ResponseEntity.noContent().build();
  }

  /** Stops the schedule firing (a run already under way goes on). */
  @PostMapping("/v1/schedules/{scheduleId}/pause")
  ScheduleView pause(TenantId tenant, @PathVariable String scheduleId) {
    return view(tenant, schedules.pause(tenant, id(scheduleId)));
  }

  /** Fires again from the next due time; firings missed while paused are not made up. */
  @PostMapping("/v1/schedules/{scheduleId}/resume")
  ScheduleView resume(TenantId tenant, @PathVariable String scheduleId) {
    return view(tenant, schedules.resume(tenant, id(scheduleId)));
  }

  /**
   * Starts a run now, paused or not, under the schedule's overlap policy (the answer says whether
   * it started, was queued or skipped); its deadline is the next deadline time from now.
   */
  @PostMapping("/v1/schedules/{scheduleId}/run")
  @ApiResponse(responseCode = "202", description = "the run")
  ResponseEntity<RunRepository.RunView> runNow(TenantId tenant, @PathVariable String scheduleId) {
    UUID schedule = id(scheduleId);
    Runs.Started started = schedules.runNow(tenant, schedule);
    return ResponseEntity.accepted()
        .location(URI.create("/v1/schedules/" + schedule + "/runs/" + started.run()))
        .body(runs.view(tenant, schedule, started.run()).orElseThrow());
  }

  /**
   * The schedule's runs, newest first: state, batch, counts (new, changed, unchanged and removed
   * products; generated, reused, removed and failed lines), cost, times, deadline met or missed.
   *
   * @param limit runs listed (default 50, at most 500)
   */
  @GetMapping("/v1/schedules/{scheduleId}/runs")
  Map<String, Object> history(
      TenantId tenant,
      @PathVariable String scheduleId,
      @RequestParam(required = false) Integer limit) {
    UUID schedule = id(scheduleId);
    schedules.get(tenant, schedule);
    int n = limit == null ? 50 : limit;
    if (n < 1 || n > 500) {
      throw ApiProblem.invalidParameter("limit", "must be 1-500");
    }
    return Map.of(
        "runs", runs.views(tenant, schedule, n).stream().map(ScheduleController::run).toList());
  }

  /** One run. */
  @GetMapping("/v1/schedules/{scheduleId}/runs/{runId}")
  Map<String, Object> run(
      TenantId tenant, @PathVariable String scheduleId, @PathVariable String runId) {
    return run(view(tenant, scheduleId, runId));
  }

  /** The run's bad feed rows, each with its line, field and what is wrong. */
  @GetMapping("/v1/schedules/{scheduleId}/runs/{runId}/errors")
  Map<String, Object> errors(
      TenantId tenant, @PathVariable String scheduleId, @PathVariable String runId) {
    RunRepository.RunView run = view(tenant, scheduleId, runId);
    return Map.of("badRows", run.badRows(), "errors", runs.errors(run.id()));
  }

  /**
   * The run's manifest (JSON lines, the whole catalog: each SKU and variant {@code generated},
   * {@code reused}, {@code removed} or {@code failed}, with its image's key): a redirect to it in
   * object storage (a presigned URL valid one hour). 409 until the run has completed.
   */
  @GetMapping("/v1/schedules/{scheduleId}/runs/{runId}/manifest")
  @ApiResponse(responseCode = "303", description = "see Location")
  ResponseEntity<Void> manifest(
      TenantId tenant, @PathVariable String scheduleId, @PathVariable String runId) {
    RunRepository.RunView run = view(tenant, scheduleId, runId);
    if (run.manifestKey() == null) {
      throw new ApiProblem(
          HttpStatus.CONFLICT,
          ProblemTypes.CONFLICT,
          "No manifest yet",
          "run " + runId + " is " + run.state() + ": its manifest is written when it completes");
    }
    return ResponseEntity.status(HttpStatus.SEE_OTHER)
        .location(store.presignedGet(run.manifestKey(), Duration.ofHours(1)))
        .build();
  }

  /** Goes through with a held run: the feed is read again and its removals are made. */
  @PostMapping("/v1/schedules/{scheduleId}/runs/{runId}/confirm")
  @ApiResponse(responseCode = "202", description = "the run, reading its feed again")
  ResponseEntity<Map<String, Object>> confirm(
      TenantId tenant, @PathVariable String scheduleId, @PathVariable String runId) {
    schedules.confirm(tenant, id(scheduleId), runId(runId));
    return ResponseEntity.accepted().body(run(view(tenant, scheduleId, runId)));
  }

  /** Drops a held run: nothing is generated or removed; the catalog stays as it was. */
  @PostMapping("/v1/schedules/{scheduleId}/runs/{runId}/reject")
  Map<String, Object> reject(
      TenantId tenant, @PathVariable String scheduleId, @PathVariable String runId) {
    schedules.reject(tenant, id(scheduleId), runId(runId));
    return run(view(tenant, scheduleId, runId));
  }

  private RunRepository.RunView view(TenantId tenant, String scheduleId, String runId) {
    UUID schedule = id(scheduleId);
    UUID run = runId(runId);
    return runs.view(tenant, schedule, run)
        .orElseThrow(() -> ApiProblem.notFound("no run " + runId + " in schedule " + scheduleId));
  }

  private ScheduleView view(TenantId tenant, ScheduleRepository.Stored s) {
    List<RunRepository.RunView> last = runs.views(tenant, s.id(), 1);
    return ScheduleView.of(s, last.isEmpty() ? null : run(last.get(0)));
  }

  /** A run as shown: its columns, and whether its deadline was met or by how much it was missed. */
  static Map<String, Object> run(RunRepository.RunView r) {
    return RunViews.of(r);
  }

  private static ScheduleRequest parse(String body) {
    if (body == null || body.isBlank()) {
      throw new InvalidSubmission(
          List.of(FieldProblem.at(null, "the body is empty; send a schedule as JSON")), 1);
    }
    try {
      ScheduleRequest request = REQUEST.readValue(body);
      if (request == null) {
        throw new InvalidSubmission(
            List.of(FieldProblem.at(null, "the body must be an object")), 1);
      }
      return request;
    } catch (JacksonException e) {
      // (the bytes were checked as UTF-8 before they became this String: see StrictBodies)
      throw new InvalidSubmission(
          List.of(new FieldProblem(StrictJson.field(e), StrictJson.line(e), StrictJson.explain(e))),
          1);
    }
  }

  private static UUID id(String text) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.notFound("no schedule " + text);
    }
  }

  private static UUID runId(String text) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.notFound("no run " + text);
    }
  }
}
