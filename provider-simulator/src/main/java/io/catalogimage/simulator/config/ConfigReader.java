package io.catalogimage.simulator.config;

import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.fault.FaultKind;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Overlays a YAML/JSON document on a base config; unknown keys are errors naming their path. */
final class ConfigReader {
  private ConfigReader() {}

  static SimulatorConfig apply(JsonNode doc, SimulatorConfig base) {
    if (doc == null || doc.isNull() || doc.isMissingNode()) {
      return base;
    }
    Node root = new Node(doc, "");
    root.only(
        "port",
        "seed",
        "timeScale",
        "apiKeys",
        "gemini",
        "quotas",
        "peak",
        "latency",
        "faults",
        "server",
        "batch",
        "images");
    SimulatorConfig c = base;
    if (root.has("port")) {
      c = c.withPort(root.integer("port"));
    }
    if (root.has("seed")) {
      c = c.withSeed(root.longValue("seed"));
    }
    if (root.has("timeScale")) {
      c = c.withTimeScale(root.decimal("timeScale"));
    }
    if (root.has("apiKeys")) {
      Map<String, String> keys = new LinkedHashMap<>();
      root.child("apiKeys").entries().forEach((k, v) -> keys.put(k, v.text()));
      c = c.withKeys(keys);
    }
    if (root.has("gemini")) {
      c = c.withGemini(gemini(root.child("gemini"), c.gemini()));
    }
    if (root.has("quotas")) {
      c = c.withQuotas(quotas(root.child("quotas"), c.quotas()));
    }
    if (root.has("peak")) {
      c = c.withPeak(peak(root.child("peak"), c.peak()));
    }
    if (root.has("latency")) {
      c = c.withLatency(latency(root.child("latency"), c.latency()));
    }
    if (root.has("faults")) {
      c = c.withFaults(faults(root.child("faults"), c.faults()));
    }
    if (root.has("server")) {
      c = c.withServer(server(root.child("server"), c.server()));
    }
    if (root.has("batch")) {
      c = c.withBatch(batch(root.child("batch"), c.batch()));
    }
    if (root.has("images")) {
      c = c.withImages(images(root.child("images"), c.images()));
    }
    return c;
  }

  private static BatchSettings batch(Node n, BatchSettings base) {
    n.only(
        "turnaroundMin",
        "turnaroundMax",
        "tailShare",
        "tailTurnaround",
        "lineFailureRate",
        "geminiExpireAfter",
        "openAiWindow");
    return new BatchSettings(
        n.has("turnaroundMin") ? n.duration("turnaroundMin") : base.turnaroundMin(),
        n.has("turnaroundMax") ? n.duration("turnaroundMax") : base.turnaroundMax(),
        n.has("tailShare") ? n.decimal("tailShare") : base.tailShare(),
        n.has("tailTurnaround") ? n.duration("tailTurnaround") : base.tailTurnaround(),
        n.has("lineFailureRate") ? n.decimal("lineFailureRate") : base.lineFailureRate(),
        n.has("geminiExpireAfter") ? n.duration("geminiExpireAfter") : base.geminiExpireAfter(),
        n.has("openAiWindow") ? n.duration("openAiWindow") : base.openAiWindow());
  }

  private static GeminiSettings gemini(Node n, GeminiSettings base) {
    n.only(
        "aliasMode",
        "lenientImageSize",
        "downgradeModel",
        "imageSafetyNullParts",
        "retryAfterHeader",
        "altTextFaultRate",
        "signatures");
    return new GeminiSettings(
        n.has("aliasMode") ? n.enumValue("aliasMode", AliasMode.class) : base.aliasMode(),
        n.has("lenientImageSize") ? n.bool("lenientImageSize") : base.lenientImageSize(),
        n.has("downgradeModel") ? n.text("downgradeModel") : base.downgradeModel(),
        n.has("imageSafetyNullParts")
            ? n.bool("imageSafetyNullParts")
            : base.imageSafetyNullParts(),
        n.has("retryAfterHeader") ? n.bool("retryAfterHeader") : base.retryAfterHeader(),
        n.has("altTextFaultRate") ? n.child("altTextFaultRate").number() : base.altTextFaultRate(),
        n.has("signatures") ? n.enumValue("signatures", SignatureMode.class) : base.signatures());
  }

  private static QuotaSettings quotas(Node n, QuotaSettings base) {
    n.only("defaults", "projects", "shapes", "rateLimitHeaders");
    QuotaLimits defaults =
        n.has("defaults") ? limits(n.child("defaults"), base.defaults()) : base.defaults();
    QuotaSettings out = base.withDefaults(defaults);
    if (n.has("projects")) {
      for (Map.Entry<String, Node> p : n.child("projects").entries().entrySet()) {
        for (Map.Entry<String, Node> m : p.getValue().entries().entrySet()) {
          out = out.with(p.getKey(), m.getKey(), limits(m.getValue(), defaults));
        }
      }
    }
    if (n.has("shapes")) {
      for (Map.Entry<String, Node> m : n.child("shapes").entries().entrySet()) {
        out =
            out.withShape(
                m.getKey(),
                m.getValue().json().isNull()
                    ? null
                    : shape(m.getValue(), base.shapes().get(m.getKey())));
      }
    }
    if (n.has("rateLimitHeaders")) {
      out = out.withRateLimitHeaders(n.bool("rateLimitHeaders"));
    }
    return out;
  }

  /** A quota shape; missing fields from the model's current shape, else the defaults. */
  private static QuotaShape shape(Node n, QuotaShape base) {
    n.only("shape", "rpm", "low", "period", "since");
    QuotaShape b = base != null ? base : QuotaShape.constant(1);
    if (base == null && !n.has("rpm")) {
      throw new IllegalArgumentException(n.path + ".rpm is required for a new quota shape");
    }
    return new QuotaShape(
        n.has("shape") ? QuotaShape.Kind.parse(n.text("shape")) : b.kind(),
        n.has("rpm") ? n.longValue("rpm") : b.rpm(),
        n.has("low") ? n.decimal("low") : b.low(),
        n.has("period") ? n.duration("period") : b.period(),
        n.has("since") && !n.isNull("since") ? Instant.parse(n.text("since")) : null);
  }

  private static QuotaLimits limits(Node n, QuotaLimits base) {
    n.only("rpm", "ipm", "rpd");
    return new QuotaLimits(
        n.has("rpm") ? n.longValue("rpm") : base.rpm(),
        n.has("ipm") ? n.longValue("ipm") : base.ipm(),
        n.has("rpd") ? n.longValue("rpd") : base.rpd());
  }

  private static PeakSettings peak(Node n, PeakSettings base) {
    n.only("enabled", "zone", "windows", "defaults", "models");
    boolean enabled = n.has("enabled") ? n.bool("enabled") : base.enabled();
    ZoneId zone = n.has("zone") ? ZoneId.of(n.text("zone")) : base.zone();
    List<PeakWindow> windows = base.windows();
    if (n.has("windows")) {
      windows = new ArrayList<>();
      for (Node w : n.child("windows").items()) {
        windows.add(PeakWindow.parse(w.text()));
      }
    }
    PeakProfile defaults =
        n.has("defaults") ? profile(n.child("defaults"), base.defaults()) : base.defaults();
    Map<String, PeakProfile> models = new LinkedHashMap<>(base.models());
    if (n.has("models")) {
      for (Map.Entry<String, Node> m : n.child("models").entries().entrySet()) {
        models.put(m.getKey(), profile(m.getValue(), models.getOrDefault(m.getKey(), defaults)));
      }
    }
    return new PeakSettings(enabled, zone, windows, defaults, models);
  }

  private static PeakProfile profile(Node n, PeakProfile base) {
    n.only("quotaFactor", "dailyQuotaFactor", "latencyFactor", "faults");
    return new PeakProfile(
        n.has("quotaFactor") ? n.decimal("quotaFactor") : base.quotaFactor(),
        n.has("dailyQuotaFactor") ? n.decimal("dailyQuotaFactor") : base.dailyQuotaFactor(),
        n.has("latencyFactor") ? n.decimal("latencyFactor") : base.latencyFactor(),
        n.has("faults") ? rates(n.child("faults"), Map.of()) : base.faultRates());
  }

  private static LatencySettings latency(Node n, LatencySettings base) {
    n.only("fixed", "fast", "default", "models");
    Duration fixed = base.fixed();
    if (n.has("fixed")) {
      fixed = n.isNull("fixed") ? null : n.duration("fixed");
    }
    Duration fastMin = base.fastMin();
    Duration fastMax = base.fastMax();
    if (n.has("fast")) {
      Node f = n.child("fast");
      f.only("min", "max");
      fastMin = f.has("min") ? f.duration("min") : fastMin;
      fastMax = f.has("max") ? f.duration("max") : fastMax;
    }
    LatencyDistribution fallback =
        n.has("default") ? distribution(n.child("default"), base.fallback()) : base.fallback();
    LatencySettings out = new LatencySettings(fixed, fastMin, fastMax, fallback, base.models());
    if (n.has("models")) {
      for (Map.Entry<String, Node> m : n.child("models").entries().entrySet()) {
        for (Map.Entry<String, Node> s : m.getValue().entries().entrySet()) {
          out =
              out.withModel(
                  m.getKey(),
                  s.getKey(),
                  distribution(s.getValue(), base.distributionFor(m.getKey(), s.getKey())));
        }
      }
    }
    return out;
  }

  private static LatencyDistribution distribution(Node n, LatencyDistribution base) {
    n.only("median", "p95");
    Duration median = n.has("median") ? n.duration("median") : base.median();
    Duration p95 = n.has("p95") ? n.duration("p95") : (n.has("median") ? median : base.p95());
    return new LatencyDistribution(median, p95);
  }

  private static FaultSettings faults(Node n, FaultSettings base) {
    n.only("triggers", "rates", "models", "hangFor");
    boolean triggers = n.has("triggers") ? n.bool("triggers") : base.triggers();
    Map<FaultKind, Double> rates =
        n.has("rates") ? rates(n.child("rates"), base.rates()) : base.rates();
    Map<String, Map<FaultKind, Double>> models = new LinkedHashMap<>(base.models());
    if (n.has("models")) {
      for (Map.Entry<String, Node> m : n.child("models").entries().entrySet()) {
        models.put(m.getKey(), rates(m.getValue(), models.getOrDefault(m.getKey(), Map.of())));
      }
    }
    Duration hangFor = n.has("hangFor") ? n.duration("hangFor") : base.hangFor();
    return new FaultSettings(triggers, rates, models, hangFor);
  }

  private static Map<FaultKind, Double> rates(Node n, Map<FaultKind, Double> base) {
    Map<FaultKind, Double> out = new LinkedHashMap<>(base);
    for (Map.Entry<String, Node> e : n.entries().entrySet()) {
      FaultKind kind =
          FaultKind.parse(e.getKey())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown fault kind '%s' at %s; known: %s"
                              .formatted(e.getKey(), n.path, List.of(FaultKind.values()))));
      out.put(kind, e.getValue().number());
    }
    return out;
  }

  private static ServerSettings server(Node n, ServerSettings base) {
    n.only("host", "httpThreads", "writerThreads", "backlog");
    String host = base.host();
    if (n.has("host")) {
      host = n.isNull("host") ? null : n.text("host");
    }
    return new ServerSettings(
        host,
        n.has("httpThreads") ? n.integer("httpThreads") : base.httpThreads(),
        n.has("writerThreads") ? n.integer("writerThreads") : base.writerThreads(),
        n.has("backlog") ? n.integer("backlog") : base.backlog());
  }

  private static ImageSettings images(Node n, ImageSettings base) {
    n.only("mode", "pngBytesPerPixel", "jpegBytesPerPixel");
    return new ImageSettings(
        n.has("mode") ? n.enumValue("mode", ImageSettings.Mode.class) : base.mode(),
        n.has("pngBytesPerPixel") ? n.decimal("pngBytesPerPixel") : base.pngBytesPerPixel(),
        n.has("jpegBytesPerPixel") ? n.decimal("jpegBytesPerPixel") : base.jpegBytesPerPixel());
  }

  /** A position in the document, for error messages that say where the problem is. */
  private record Node(JsonNode json, String path) {
    void only(String... keys) {
      if (!json.isObject()) {
        throw new IllegalArgumentException("expected a mapping at " + where());
      }
      Set<String> allowed = Set.of(keys);
      for (String name : json.propertyNames()) {
        if (!allowed.contains(name)) {
          throw new IllegalArgumentException(
              "unknown config key '%s' at %s; known keys: %s"
                  .formatted(name, where(), List.of(keys)));
        }
      }
    }

    boolean has(String key) {
      return json.has(key);
    }

    boolean isNull(String key) {
      return json.get(key).isNull();
    }

    Node child(String key) {
      return new Node(json.get(key), path.isEmpty() ? key : path + "." + key);
    }

    Map<String, Node> entries() {
      if (!json.isObject()) {
        throw new IllegalArgumentException("expected a mapping at " + where());
      }
      Map<String, Node> out = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : json.properties()) {
        out.put(e.getKey(), new Node(e.getValue(), path + "." + e.getKey()));
      }
      return out;
    }

    List<Node> items() {
      if (!json.isArray()) {
        throw new IllegalArgumentException("expected a list at " + where());
      }
      List<Node> out = new ArrayList<>();
      for (int i = 0; i < json.size(); i++) {
        out.add(new Node(json.get(i), path + "[" + i + "]"));
      }
      return out;
    }

    String text() {
      if (!json.isValueNode() || json.isNull()) {
        throw new IllegalArgumentException("expected a value at " + where());
      }
      return json.asString();
    }

    double number() {
      try {
        return Double.parseDouble(text().trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected a number at " + where() + ": " + text(), e);
      }
    }

    String text(String key) {
      return child(key).text();
    }

    int integer(String key) {
      return (int) longValue(key);
    }

    long longValue(String key) {
      Node c = child(key);
      try {
        return Long.parseLong(c.text().trim().replace("_", ""));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "expected an integer at " + c.where() + ": " + c.text(), e);
      }
    }

    double decimal(String key) {
      return child(key).number();
    }

    boolean bool(String key) {
      String t = text(key).trim().toLowerCase(Locale.ROOT);
      if (!t.equals("true") && !t.equals("false")) {
        throw new IllegalArgumentException("expected true or false at " + child(key).where());
      }
      return t.equals("true");
    }

    Duration duration(String key) {
      Node c = child(key);
      try {
        return Durations.parse(c.text());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + " at " + c.where(), e);
      }
    }

    <E extends Enum<E>> E enumValue(String key, Class<E> type) {
      String t = text(key).trim().toUpperCase(Locale.ROOT);
      try {
        return Enum.valueOf(type, t);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "expected one of %s at %s"
                .formatted(List.of(type.getEnumConstants()), child(key).where()),
            e);
      }
    }

    private String where() {
      return path.isEmpty() ? "the top level" : "'" + path + "'";
    }
  }
}
