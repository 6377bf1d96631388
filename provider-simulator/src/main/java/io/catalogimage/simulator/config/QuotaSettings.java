package io.catalogimage.simulator.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Quotas per project x model ("per project, not per API key"). Lookup order: {@code
 * projects[project][model]}, {@code projects[project]["*"]}, {@code projects["*"][model]}, then
 * {@code defaults}.
 */
public record QuotaSettings(QuotaLimits defaults, Map<String, Map<String, QuotaLimits>> projects) {
  public static final String ANY = "*";

  public QuotaSettings {
    if (defaults == null) {
      throw new IllegalArgumentException("quotas.defaults is required");
    }
    projects = Maps.copyNested(projects);
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

  public QuotaSettings withDefaults(QuotaLimits limits) {
    return new QuotaSettings(limits, projects);
  }

  public QuotaSettings with(String project, String model, QuotaLimits limits) {
    Map<String, Map<String, QuotaLimits>> copy = new LinkedHashMap<>();
    projects.forEach((k, v) -> copy.put(k, new LinkedHashMap<>(v)));
    copy.computeIfAbsent(project, k -> new LinkedHashMap<>()).put(model, limits);
    return new QuotaSettings(defaults, copy);
  }
}
