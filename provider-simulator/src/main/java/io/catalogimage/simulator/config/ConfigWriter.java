package io.catalogimage.simulator.config;

import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.fault.FaultKind;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Writes the full document of a config (every key, every default spelled out). */
final class ConfigWriter {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private ConfigWriter() {}

  /** The complete document for {@code config} (every key, every default spelled out). */
  static ObjectNode toTree(SimulatorConfig c) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("port", c.port());
    root.put("seed", c.seed());
    root.put("timeScale", c.timeScale());
    ObjectNode keys = root.putObject("apiKeys");
    c.apiKeys().forEach(keys::put);
    ObjectNode gemini = root.putObject("gemini");
    gemini.put("aliasMode", c.gemini().aliasMode().name());
    gemini.put("lenientImageSize", c.gemini().lenientImageSize());
    gemini.put("downgradeModel", c.gemini().downgradeModel());
    gemini.put("imageSafetyNullParts", c.gemini().imageSafetyNullParts());
    gemini.put("retryAfterHeader", c.gemini().retryAfterHeader());
    gemini.put("altTextFaultRate", c.gemini().altTextFaultRate());
    gemini.put("signatures", c.gemini().signatures().name());

    ObjectNode quotas = root.putObject("quotas");
    limitsTree(quotas.putObject("defaults"), c.quotas().defaults());
    ObjectNode projects = quotas.putObject("projects");
    c.quotas()
        .projects()
        .forEach(
            (p, byModel) -> {
              ObjectNode pn = projects.putObject(p);
              byModel.forEach((m, l) -> limitsTree(pn.putObject(m), l));
            });
    ObjectNode shapes = quotas.putObject("shapes");
    c.quotas().shapes().forEach((m, s) -> shapeTree(shapes.putObject(m), s));
    quotas.put("rateLimitHeaders", c.quotas().rateLimitHeaders());

    ObjectNode peak = root.putObject("peak");
    peak.put("enabled", c.peak().enabled());
    peak.put("zone", c.peak().zone().getId());
    ArrayNode windows = peak.putArray("windows");
    c.peak().windows().forEach(w -> windows.add(w.toString()));
    profileTree(peak.putObject("defaults"), c.peak().defaults());
    ObjectNode peakModels = peak.putObject("models");
    c.peak().models().forEach((m, p) -> profileTree(peakModels.putObject(m), p));

    ObjectNode latency = root.putObject("latency");
    if (c.latency().fixed() == null) {
      latency.putNull("fixed");
    } else {
      latency.put("fixed", Durations.format(c.latency().fixed()));
    }
    ObjectNode fast = latency.putObject("fast");
    fast.put("min", Durations.format(c.latency().fastMin()));
    fast.put("max", Durations.format(c.latency().fastMax()));
    distributionTree(latency.putObject("default"), c.latency().fallback());
    ObjectNode latencyModels = latency.putObject("models");
    c.latency()
        .models()
        .forEach(
            (m, sizes) -> {
              ObjectNode mn = latencyModels.putObject(m);
              sizes.forEach((s, d) -> distributionTree(mn.putObject(s), d));
            });

    ObjectNode faults = root.putObject("faults");
    faults.put("triggers", c.faults().triggers());
    ratesTree(faults.putObject("rates"), c.faults().rates());
    ObjectNode faultModels = faults.putObject("models");
    c.faults().models().forEach((m, r) -> ratesTree(faultModels.putObject(m), r));
    faults.put("hangFor", c.faults().hangFor().toString());

    ObjectNode server = root.putObject("server");
    if (c.server().host() == null) {
      server.putNull("host");
    } else {
      server.put("host", c.server().host());
    }
    server.put("httpThreads", c.server().httpThreads());
    server.put("writerThreads", c.server().writerThreads());
    server.put("backlog", c.server().backlog());
    ObjectNode batch = root.putObject("batch");
    batch.put("turnaroundMin", Durations.format(c.batch().turnaroundMin()));
    batch.put("turnaroundMax", Durations.format(c.batch().turnaroundMax()));
    batch.put("tailShare", c.batch().tailShare());
    batch.put("tailTurnaround", Durations.format(c.batch().tailTurnaround()));
    batch.put("lineFailureRate", c.batch().lineFailureRate());
    batch.put("geminiExpireAfter", Durations.format(c.batch().geminiExpireAfter()));
    batch.put("openAiWindow", Durations.format(c.batch().openAiWindow()));

    ObjectNode images = root.putObject("images");
    images.put("mode", c.images().mode().name().toLowerCase(java.util.Locale.ROOT));
    images.put("pngBytesPerPixel", c.images().pngBytesPerPixel());
    images.put("jpegBytesPerPixel", c.images().jpegBytesPerPixel());
    return root;
  }

  private static void shapeTree(ObjectNode n, QuotaShape s) {
    n.put("shape", s.kind().name().toLowerCase(java.util.Locale.ROOT));
    n.put("rpm", s.rpm());
    n.put("low", s.low());
    n.put("period", Durations.format(s.period()));
    if (s.since() == null) {
      n.putNull("since");
    } else {
      n.put("since", s.since().toString());
    }
  }

  private static void limitsTree(ObjectNode n, QuotaLimits l) {
    n.put("rpm", l.rpm());
    n.put("ipm", l.ipm());
    n.put("rpd", l.rpd());
  }

  private static void profileTree(ObjectNode n, PeakProfile p) {
    n.put("quotaFactor", p.quotaFactor());
    n.put("dailyQuotaFactor", p.dailyQuotaFactor());
    n.put("latencyFactor", p.latencyFactor());
    ratesTree(n.putObject("faults"), p.faultRates());
  }

  private static void distributionTree(ObjectNode n, LatencyDistribution d) {
    n.put("median", Durations.format(d.median()));
    n.put("p95", Durations.format(d.p95()));
  }

  private static void ratesTree(ObjectNode n, Map<FaultKind, Double> rates) {
    rates.forEach((k, v) -> n.put(k.name(), v));
  }
}
