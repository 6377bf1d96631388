package io.catalogimage.simulator.config;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Quotas per project x model ("per project, not per API key"). Lookup order: {@code
 * projects[project][model]}, {@code projects[project]["*"]}, {@code projects["*"][model]}, then
 * {@code defaults}.
 *
 * @param shapes hidden per-minute quotas that move over time, per model (every project): they
 *     replace the requests and images per minute of the model's limits
 * @param rateLimitHeaders send {@code x-ratelimit-limit/remaining/reset-requests} on OpenAI
 *     answers, as some gateways do (default false: unverified for OpenAI's image API)
 */
public record QuotaSettings(
    QuotaLimits defaults,
    Map<String, Map<String, QuotaLimits>> projects,
    Map<String, QuotaShape> shapes,
    boolean rateLimitHeaders) {
  public static final String ANY = "*";

  public QuotaSettings {
    if (defaults == null) {
      throw new IllegalArgumentException("quotas.defaults is required");
    }
    projects = Maps.copyNested(projects);
    shapes = shapes == null ? Map.of() : Map.copyOf(shapes);
  }

  public QuotaSettings(QuotaLimits defaults, Map<String, Map<String, QuotaLimits>> projects) {
    this(defaults, projects, Map.of(), false);
  }

  public static QuotaSettings standard() {
    return new QuotaSettings(QuotaLimits.GENEROUS, Map.of());
  }

  public QuotaLimits limitsFor(String project, String model) {
    for (String p : new String[] {project, ANY}) {
      Map<String, QuotaLimits> byModel = projects.get(p);
      if (byModel == null) {
        continue;
      }
      QuotaLimits exact = byModel.get(model);
      if (exact != null) {
        return exact;
      }
      if (p.equals(project) && byModel.containsKey(ANY)) {
        return byModel.get(ANY);
      }
    }
    return defaults;
  }

  /** The limits at {@code now}: a model's quota shape sets its requests and images per minute. */
  public QuotaLimits limitsAt(String project, String model, Instant now) {
    QuotaLimits limits = limitsFor(project, model);
    QuotaShape shape = shapes.get(model);
    if (shape == null) {
      return limits;
    }
    long rpm = shape.rpmAt(now);
    return new QuotaLimits(rpm, rpm, limits.rpd());
  }

  public QuotaSettings withDefaults(QuotaLimits limits) {
    return new QuotaSettings(limits, projects, shapes, rateLimitHeaders);
  }

  /** A hidden, moving per-minute quota for {@code model} (null removes it). */
  public QuotaSettings withShape(String model, QuotaShape shape) {
    Map<String, QuotaShape> copy = new LinkedHashMap<>(shapes);
    if (shape == null) {
      copy.remove(model);
    } else {
      copy.put(model, shape);
    }
    return new QuotaSettings(defaults, projects, copy, rateLimitHeaders);
  }

  /** Every shape passed through {@code f} (e.g. to start the ones without a start). */
  public QuotaSettings mapShapes(UnaryOperator<QuotaShape> f) {
    Map<String, QuotaShape> copy = new LinkedHashMap<>();
    shapes.forEach((m, s) -> copy.put(m, f.apply(s)));
    return new QuotaSettings(defaults, projects, copy, rateLimitHeaders);
  }

  public QuotaSettings withRateLimitHeaders(boolean send) {
    return new QuotaSettings(defaults, projects, shapes, send);
  }

  public QuotaSettings with(String project, String model, QuotaLimits limits) {
    Map<String, Map<String, QuotaLimits>> copy = new LinkedHashMap<>();
    projects.forEach((k, v) -> copy.put(k, new LinkedHashMap<>(v)));
    copy.computeIfAbsent(project, k -> new LinkedHashMap<>()).put(model, limits);
    return new QuotaSettings(defaults, copy, shapes, rateLimitHeaders);
  }
}
