package io.catalogimage.api.schedule;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import io.catalogimage.common.storage.ObjectKeys;
import io.catalogimage.common.storage.ObjectStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Ends runs whose batch has finished (or that needed none): writes the run's manifest, which covers
 * the whole catalog ({@code generated}, {@code reused}, {@code removed} or {@code failed} per
 * line), moves the catalog state on (lines whose images were made take them; failed ones keep their
 * last images and are made again next time), records counts, cost and whether the deadline was met,
 * and starts the schedule's queued run. One transaction per run, holding the run's row.
 */
@Component
class FinishRuns implements RunsInLoop {

  private static final Logger log = LoggerFactory.getLogger(FinishRuns.class);

  private final RunRepository runs;
  private final CatalogRepository catalog;
  private final ScheduleRepository schedules;
  private final Runs runControl;
  private final ScheduleEvents events;
  private final ObjectStore store;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final PollingLoop loop;

  FinishRuns(
      RunRepository runs,
      CatalogRepository catalog,
      ScheduleRepository schedules,
      Runs runControl,
      ScheduleEvents events,
      ObjectStore store,
      TransactionTemplate tx,
      Clock clock) {
    this.runs = runs;
    this.catalog = catalog;
    this.schedules = schedules;
    this.runControl = runControl;
    this.events = events;
    this.store = store;
    this.tx = tx;
    this.clock = clock;
    this.loop = new PollingLoop("FinishRuns", Duration.ofSeconds(1), this::finishDue);
  }

  boolean finishDue() {
    List<UUID> due = runs.finishable(10);
    for (UUID run : due) {
      finish(run);
    }
    return due.size() == 10;
  }

  /** The manifest's key: next to the schedule's other runs, under the tenant's prefix. */
  static String manifestKey(io.catalogimage.common.id.TenantId tenant, UUID schedule, UUID run) {
    return ObjectKeys.tenantPrefix(tenant)
        + "schedules/"
        + schedule
        + "/runs/"
        + run
        + "/manifest.jsonl";
  }

  void finish(UUID runId) {
    tx.executeWithoutResult(
        s -> {
          Optional<RunRepository.Run> locked = runs.lock(runId);
          if (locked.isEmpty() || locked.get().state() != RunState.GENERATING) {
            return;
          }
          RunRepository.Run run = locked.get();
          if (schedules.find(run.schedule()).isEmpty()) {
            return;
          }
          Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
          String key = manifestKey(run.tenant(), run.schedule(), run.id());
          long[] lines = writeManifest(run, key);
          catalog.apply(run.id(), run.batch());
          long[] outcomes = catalog.itemOutcomes(run.batch());
          BigDecimal cost = catalog.cost(run.batch());
          runs.finished(run.id(), outcomes[0], outcomes[1], cost, key, now);
          Map<String, Object> data = new LinkedHashMap<>();
          data.put("state", "COMPLETED");
          data.put("batchId", run.batch() == null ? null : run.batch().toString());
          data.put("generated", outcomes[0]);
          data.put("reused", lines[1]);
          data.put("removed", lines[2]);
          data.put("failed", outcomes[1]);
          data.put("costUsd", cost);
          data.put("finishedAt", now.toString());
          if (run.deadline() != null) {
            data.put("deadline", run.deadline().toString());
            data.put("deadlineMet", !now.isAfter(run.deadline()));
          }
          events.runCompleted(run.schedule(), run.id(), data, now);
          runControl.startNext(run.schedule(), now);
          log.info(
              "run {} completed: {} generated, {} reused, {} removed, {} failed; manifest {}",
              run.id(),
              outcomes[0],
              lines[1],
              lines[2],
              outcomes[1],
              key);
        });
  }

  /** Writes the manifest to a temp file, then to the store; returns lines made, reused, removed. */
  private long[] writeManifest(RunRepository.Run run, String key) {
    long[] counts = new long[3];
    Path file = null;
    try {
      file = Files.createTempFile("run-manifest-", ".jsonl");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
        catalog.manifest(
            run.schedule(),
            run.id(),
            run.batch(),
            rs -> {
              boolean made = rs.getBoolean("made");
              counts[made ? 0 : 1]++;
              write(out, line(rs, made));
            });
        catalog.manifestRemoved(
            run.id(),
            rs -> {
              counts[2]++;
              Map<String, Object> line = new LinkedHashMap<>();
              line.put("sku", rs.getString("sku"));
              line.put("variant", rs.getString("variant"));
              line.put("status", "removed");
              line.put("imageKey", rs.getString("image_key"));
              line.put("sidecarKey", rs.getString("sidecar_key"));
              write(out, line);
            });
      }
      store.putFile(key, file, "application/x-ndjson");
      return counts;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the manifest of run " + run.id(), e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file left behind is harmless
        }
      }
    }
  }

  private static Map<String, Object> line(ResultSet rs, boolean made) throws SQLException {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("sku", rs.getString("sku"));
    line.put("variant", rs.getString("variant"));
    String state = rs.getString("state");
    boolean succeeded = "SUCCEEDED".equals(state);
    line.put("status", made ? (succeeded ? "generated" : "failed") : "reused");
    if (made && !succeeded) {
      line.put("imageKey", rs.getString("previous_image_key"));
      line.put("error", error(rs, state));
    } else {
      line.put("imageKey", rs.getString("image_key"));
      line.put("sidecarKey", rs.getString("sidecar_key"));
    }
    String alt = rs.getString("alt_text");
    if (alt != null && (!made || succeeded)) {
      line.put("altText", Json.mapper().readValue(alt, JsonNode.class));
      line.put("caption", rs.getString("caption"));
    }
    line.put("modelServed", rs.getString("model_served"));
    Object item = made ? rs.getObject("item_id") : rs.getObject("done_item");
    line.put("itemId", item == null ? null : item.toString());
    if (!made) {
      Object doneRun = rs.getObject("done_run");
      line.put("generatedInRun", doneRun == null ? null : doneRun.toString());
    } else {
      line.put("costUsd", rs.getBigDecimal("cost_usd"));
    }
    return line;
  }

  private static Map<String, Object> error(ResultSet rs, String state) throws SQLException {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("state", state);
    error.put("type", rs.getString("last_error_type"));
    error.put("message", rs.getString("last_error_message"));
    return error;
  }

  private static void write(OutputStream out, Map<String, Object> line) {
    try {
      out.write(Json.mapper().writeValueAsBytes(line));
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }
}
