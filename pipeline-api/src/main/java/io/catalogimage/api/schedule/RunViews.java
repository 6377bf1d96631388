package io.catalogimage.api.schedule;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** How the api shows a run (history and detail). */
final class RunViews {

  private RunViews() {}

  static Map<String, Object> of(RunRepository.RunView r) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("id", r.id().toString());
    v.put("scheduleId", r.schedule().toString());
    v.put("trigger", r.trigger());
    v.put("state", r.state().name());
    v.put("reason", r.reason());
    v.put("dueAt", r.dueAt());
    v.put("deadline", r.deadline());
    v.put("batchId", r.batch() == null ? null : r.batch().toString());
    v.put("lane", r.lane());
    Map<String, Object> products = new LinkedHashMap<>();
    products.put("inFeed", r.feedProducts());
    products.put("new", r.newProducts());
    products.put("changed", r.changedProducts());
    products.put("unchanged", r.unchangedProducts());
    products.put("removed", r.removedProducts());
    products.put("badRows", r.badRows());
    v.put("products", products);
    Map<String, Object> lines = new LinkedHashMap<>();
    lines.put("queued", r.itemsQueued());
    lines.put("generated", r.generated());
    lines.put("reused", r.reused());
    lines.put("removed", r.removed());
    lines.put("failed", r.failed());
    v.put("counts", lines);
    v.put("costUsd", r.costUsd());
    v.put("eta", r.eta());
    v.put("atRisk", r.atRisk());
    v.put("fetchAttempts", r.fetchAttempts());
    v.put("nextAttemptAt", r.nextAttemptAt());
    v.put("confirmedAt", r.confirmedAt());
    v.put("startedAt", r.startedAt());
    v.put("diffedAt", r.diffedAt());
    v.put("finishedAt", r.finishedAt());
    if (r.deadline() != null && r.finishedAt() != null && r.state() == RunState.COMPLETED) {
      boolean met = !r.finishedAt().isAfter(r.deadline());
      v.put("deadlineMet", met);
      v.put(
          "deadlineMissedBy",
          met ? null : Duration.between(r.deadline(), r.finishedAt()).toString());
    }
    String self = "/v1/schedules/" + r.schedule() + "/runs/" + r.id();
    Map<String, String> links = new LinkedHashMap<>();
    links.put("self", self);
    links.put("errors", self + "/errors");
    if (r.manifestKey() != null) {
      links.put("manifest", self + "/manifest");
    }
    if (r.batch() != null) {
      links.put("batch", "/v1/batches/" + r.batch());
    }
    if (r.state() == RunState.HELD) {
      links.put("confirm", self + "/confirm");
      links.put("reject", self + "/reject");
    }
    v.put("links", links);
    return v;
  }
}
