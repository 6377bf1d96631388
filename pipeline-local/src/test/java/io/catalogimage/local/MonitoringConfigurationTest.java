package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Grafana cannot be started here (no Docker engine), so this keeps the monitoring profile true, in
 * the style of DeploymentConfigurationTest: the dashboard parses, every panel queries the
 * datasource Grafana is provisioned with, the provisioning files are where compose mounts them, and
 * every metric a panel queries is one the apps register.
 */
class MonitoringConfigurationTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path GRAFANA = ROOT.resolve("deploy/grafana");

  private static JsonNode dashboard() throws IOException {
    return JsonMapper.builder()
        .build()
        .readTree(Files.readAllBytes(GRAFANA.resolve("dashboard.json")));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new Yaml().load(in);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> provisioned(String kind, String listKey) throws IOException {
    List<Map<String, Object>> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(GRAFANA.resolve("provisioning").resolve(kind))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
        all.addAll((List<Map<String, Object>>) yaml(f).get(listKey));
      }
    }
    assertThat(all).as("one provisioned " + kind).hasSize(1);
    return all.get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(String name) throws IOException {
    Map<String, Object> services =
        (Map<String, Object>) yaml(ROOT.resolve("docker-compose.yml")).get("services");
    return (Map<String, Object>) services.get(name);
  }

  /** A compose service's volumes as container path -> host path (relative to the repo root). */
  @SuppressWarnings("unchecked")
  private static Map<String, Path> mounts(String service) throws IOException {
    Map<String, Path> mounts = new java.util.HashMap<>();
    for (Object v : (List<Object>) service(service).get("volumes")) {
      String[] parts = v.toString().split(":");
      mounts.put(parts[1], ROOT.resolve(parts[0]).normalize());
    }
    return mounts;
  }

  @Test
  void every_panel_queries_the_provisioned_prometheus_datasource() throws IOException {
    Map<String, Object> datasource = provisioned("datasources", "datasources");
    JsonNode dashboard = dashboard();

    assertThat(dashboard.path("uid").asString()).isNotBlank();
    assertThat(dashboard.path("panels").size()).isPositive();
    for (JsonNode panel : dashboard.path("panels")) {
      String title = panel.path("title").asString();
      assertThat(panel.path("datasource").path("uid").asString())
          .as(title)
          .isEqualTo(datasource.get("uid"));
      assertThat(panel.path("datasource").path("type").asString())
          .as(title)
          .isEqualTo(datasource.get("type"));
      assertThat(panel.path("targets").size()).as(title).isPositive();
      for (JsonNode target : panel.path("targets")) {
        assertThat(target.path("datasource").path("uid").asString())
            .as(title)
            .isEqualTo(datasource.get("uid"));
        assertThat(target.path("expr").asString()).as(title).isNotBlank();
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void the_datasource_is_the_monitoring_profiles_prometheus() throws IOException {
    URI url = URI.create((String) provisioned("datasources", "datasources").get("url"));
    Map<String, Object> prometheus = service(url.getHost());

    assertThat(prometheus).as("a compose service named " + url.getHost()).isNotNull();
    assertThat((String) prometheus.get("image")).startsWith("prom/prometheus");
    assertThat((List<String>) prometheus.get("profiles")).contains("monitoring");
    assertThat((List<String>) prometheus.get("ports"))
        .anyMatch(p -> p.endsWith(":" + url.getPort()));
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafana_gets_the_provisioning_files_and_the_dashboard_where_its_provider_looks()
      throws IOException {
    Map<String, Object> provider = provisioned("dashboards", "providers");
    String path = (String) ((Map<String, Object>) provider.get("options")).get("path");
    Map<String, Path> mounts = mounts("grafana");

    assertThat((List<String>) service("grafana").get("profiles")).contains("monitoring");
    assertThat(mounts).containsEntry("/etc/grafana/provisioning", GRAFANA.resolve("provisioning"));
    assertThat(mounts)
        .anySatisfy(
            (container, host) -> {
              assertThat(host).isEqualTo(GRAFANA.resolve("dashboard.json"));
              assertThat(Path.of(container).getParent()).isEqualTo(Path.of(path));
            });
  }

  /** Meter names as the apps register them ("pipeline.provider.calls"), in Prometheus spelling. */
  private static Set<String> registeredMetrics() throws IOException {
    Pattern literal = Pattern.compile("\"(pipeline(?:\\.[a-z_]+)+)\"");
    Set<String> names = new TreeSet<>();
    for (String module : List.of("pipeline-api", "pipeline-worker", "pipeline-common")) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = literal.matcher(Files.readString(f));
          while (m.find()) {
            names.add(m.group(1).replace('.', '_'));
          }
        }
      }
    }
    return names;
  }

  @Test
  void every_metric_a_panel_queries_is_registered_by_the_apps() throws IOException {
    Set<String> registered = registeredMetrics();
    Pattern metric = Pattern.compile("\\bpipeline_[a-z_]+");
    Set<String> queried = new TreeSet<>();
    for (JsonNode panel : dashboard().path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        Matcher m = metric.matcher(target.path("expr").asString());
        while (m.find()) {
          queried.add(m.group());
        }
      }
    }

    assertThat(queried).isNotEmpty();
    for (String name : queried) {
      // Prometheus adds _total to counters, _seconds and _bucket/_count/_sum/_max to timers
      String base = name.replaceAll("(_bucket|_count|_sum|_max|_total)$", "");
      base = base.replaceAll("_seconds$", "");
      assertThat(registered).as(name + " is registered by an app").contains(base);
    }
  }
}
