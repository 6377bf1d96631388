package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.budget.ModelBudget;
import io.catalogimage.local.config.KnownProperties;
import io.catalogimage.local.config.KnownProperties.App;
import io.catalogimage.local.config.LocalConfigFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes manifests cannot be applied here (no cluster), so this keeps them true, like
 * DeploymentConfigurationTest does for compose: it renders each kustomization (resources,
 * generators, strategic-merge patches) and checks what the pods will get against the applications'
 * real configuration, their probe paths, the Secrets they read, their grace periods and the bound
 * on the worker autoscaling.
 */
class KubernetesManifestsTest {

  private static final Path K8S = Path.of("..").toAbsolutePath().normalize().resolve("deploy/k8s");
  private static final Map<String, App> APPS = Map.of("api", App.API, "worker", App.WORKER);
  private static final List<String> LANES = List.of("interactive", "bulk", "scheduled");

  /** The slowest calls (4K on Pro) take about a minute: the worst latency to hold a budget for. */
  private static final Duration SLOWEST_CALL = Duration.ofSeconds(60);

  @TempDir static Path secrets;
  private static Map<String, Rendered> overlays;

  @BeforeAll
  static void render() throws Exception {
    makeSecrets(secrets);
    overlays = new LinkedHashMap<>();
    overlays.put("base", Rendered.of(K8S.resolve("base")));
    overlays.put("overlays/local", Rendered.of(K8S.resolve("overlays/local")));
  }

  /** Runs the local overlay's make-secrets.sh, as a user would, into {@code dir}. */
  private static void makeSecrets(Path dir) throws Exception {
    Process p =
        new ProcessBuilder(
                "bash", K8S.resolve("overlays/local/make-secrets.sh").toString(), dir.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
  }

  /** The probe paths every pipeline container uses (OwnProvidersAndCliTest calls them). */
  static Set<String> probePaths() throws IOException {
    Set<String> paths = new TreeSet<>();
    for (Map<String, Object> c : Rendered.of(K8S.resolve("base")).pipelineContainers().values()) {
      for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
        paths.add(string(at(c, probe, "httpGet", "path")));
      }
    }
    return paths;
  }

  @Test
  void every_variable_is_a_property_of_its_app_or_read_by_the_mounted_pipeline_yml() {
    overlays.forEach(
        (name, r) ->
            r.pipelineContainers()
                .forEach(
                    (container, c) -> {
                      KnownProperties known = KnownProperties.of(APPS.get(container));
                      Set<String> placeholders = r.configFile().placeholderVariables();
                      List<String> unknown =
                          r.environment(c).keySet().stream()
                              .filter(v -> !known.knowsVariable(v) && !placeholders.contains(v))
                              .toList();
                      assertThat(unknown).as(name + " " + container).isEmpty();
                    }));
  }

  @Test
  void the_mounted_pipeline_yml_binds_for_both_apps_and_is_where_they_read_it() {
    overlays.forEach(
        (name, r) -> {
          LocalConfigFile file = r.configFile();
          assertThat(file.unknownSettings(KnownProperties.of(App.values()))).as(name).isEmpty();
          file.validate();
          assertThat(file.providers().endpoints()).as(name).isNotEmpty();
          r.pipelineContainers()
              .forEach(
                  (container, c) -> {
                    String mount =
                        r.volumeMountOf(container, c, "catalog-pipeline-config") + "/pipeline.yml";
                    assertThat(r.environment(c).get("SPRING_CONFIG_ADDITIONALLOCATION"))
                        .as(name + " " + container)
                        .isEqualTo("file:" + mount);
                  });
        });
  }

  @Test
  void probes_are_the_actuators_liveness_and_readiness_on_the_port_it_serves() {
    overlays.forEach(
        (name, r) ->
            r.pipelineContainers()
                .forEach(
                    (container, c) -> {
                      Map<String, String> env = r.environment(c);
                      String actuatorPort =
                          env.getOrDefault("MANAGEMENT_SERVER_PORT", env.get("SERVER_PORT"));
                      for (String probe :
                          List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                        String path = string(at(c, probe, "httpGet", "path"));
                        assertThat(path)
                            .as(name + " " + container + " " + probe)
                            .isEqualTo(
                                probe.equals("readinessProbe")
                                    ? "/actuator/health/readiness"
                                    : "/actuator/health/liveness");
                        Object port = at(c, probe, "httpGet", "port");
                        assertThat(String.valueOf(containerPort(c, port)))
                            .as(name + " " + container + " " + probe + " port")
                            .isEqualTo(actuatorPort);
                      }
                    }));
  }

  @Test
  void every_secret_a_pod_reads_is_generated_by_the_overlay_or_listed_to_be_created()
      throws IOException {
    String readme = Files.readString(K8S.resolve("README.md"));
    overlays.forEach(
        (name, r) -> {
          for (String[] ref : r.secretReferences()) {
            String secret = ref[0];
            String key = ref[1];
            boolean optional = Boolean.parseBoolean(ref[2]);
            if (r.generatedSecrets().containsKey(secret) && !optional) {
              assertThat(r.generatedSecrets().get(secret))
                  .as(name + ": make-secrets.sh writes " + secret + "/" + key)
                  .containsKey(key);
            } else {
              assertThat(readme)
                  .as(name + ": deploy/k8s/README.md lists " + secret + " and its key " + key)
                  .containsPattern("`" + secret + "` \\|[^\\n]*`" + key + "`");
            }
          }
        });
  }

  @Test
  void make_secrets_writes_fresh_random_values_and_no_known_default() throws Exception {
    Path again = secrets.resolveSibling(secrets.getFileName() + "-again");
    makeSecrets(again);
    Map<String, String> first = envFiles(secrets);
    Map<String, String> second = envFiles(again);
    assertThat(first.keySet()).isEqualTo(second.keySet());
    first.forEach(
        (key, value) -> {
          assertThat(value).as(key).isNotBlank().isNotIn("minioadmin", "change-me", "sim-key");
          if (!key.endsWith("/username")) {
            assertThat(second.get(key)).as(key + " differs from run to run").isNotEqualTo(value);
            assertThat(value.length()).as(key).isGreaterThanOrEqualTo(20);
          }
        });
    assertThat(first.get("providers/SIM_API_KEYS"))
        .isEqualTo(first.get("providers/SIMULATOR_API_KEY") + "=default");
  }

  @Test
  void no_credential_is_written_in_a_manifest() {
    overlays.forEach(
        (name, r) -> {
          for (Map<String, Object> doc : r.resources()) {
            for (Map<String, Object> c : containers(doc)) {
              for (Map<String, Object> e : list(c.get("env"))) {
                String variable = string(e.get("name"));
                boolean credential =
                    variable.matches(
                            ".*(PASSWORD|SECRET|TOKEN|APIKEY|API_KEY|ACCESSKEY|ACCESS_KEY|_USER)$")
                        || variable.equals("SIM_API_KEYS");
                if (credential) {
                  assertThat(e.get("value"))
                      .as(name + " " + string(at(doc, "metadata", "name")) + " " + variable)
                      .isNull();
                  assertThat(at(e, "valueFrom", "secretKeyRef")).isNotNull();
                }
              }
            }
          }
        });
  }

  @Test
  void the_grace_period_covers_pre_stop_the_shutdown_and_a_margin() {
    overlays.forEach(
        (name, r) ->
            r.pipelineContainers()
                .forEach(
                    (container, c) -> {
                      Map<String, Object> pod = r.podSpec(container);
                      Map<String, String> env = r.environment(c);
                      long preStop = 0;
                      Object command = at(c, "lifecycle", "preStop", "exec", "command");
                      if (command != null) {
                        List<?> argv = (List<?>) command;
                        assertThat(argv.get(0)).isEqualTo("sleep");
                        preStop = Long.parseLong(String.valueOf(argv.get(1)));
                      }
                      Duration shutdown =
                          container.equals("worker")
                              ? duration(env.getOrDefault("PIPELINE_WORKER_SHUTDOWNGRACE", "30s"))
                              : duration(
                                  env.getOrDefault(
                                      "SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "30s"));
                      long grace = ((Number) pod.get("terminationGracePeriodSeconds")).longValue();
                      assertThat(grace)
                          .as(name + " " + container + ": preStop + shutdown + 15 s margin")
                          .isGreaterThanOrEqualTo(preStop + shutdown.toSeconds() + 15);
                      if (container.equals("worker")) {
                        assertThat(shutdown)
                            .as(
                                "the worker waits out its slowest calls instead of paying them twice")
                            .isGreaterThanOrEqualTo(SLOWEST_CALL);
                      }
                    }));
  }

  @Test
  void workers_scale_on_the_lag_of_every_lane_up_to_what_the_budgets_can_use() {
    overlays.forEach(
        (name, r) -> {
          Map<String, Object> scaled = r.one("ScaledObject");
          assertThat(at(scaled, "spec", "scaleTargetRef", "name"))
              .isEqualTo("catalog-pipeline-worker");
          Map<String, String> env = r.environment(r.pipelineContainers().get("worker"));
          Set<String> topics = new LinkedHashSet<>();
          for (Map<String, Object> t : list(at(scaled, "spec", "triggers"))) {
            assertThat(t.get("type")).isEqualTo("kafka");
            Map<String, Object> m = map(t.get("metadata"));
            topics.add(string(m.get("topic")));
            assertThat(m.get("consumerGroup"))
                .isEqualTo(env.getOrDefault("PIPELINE_WORKER_GROUPID", "catalog-image-workers"));
            assertThat(env).containsKey(string(m.get("bootstrapServersFromEnv")));
            assertThat(Long.parseLong(string(m.get("lagThreshold")))).isPositive();
          }
          assertThat(topics)
              .containsExactlyInAnyOrderElementsOf(
                  LANES.stream().map(l -> "catalog.jobs." + l).toList());

          // calls in flight the budgets can use, at the slowest latency, over a worker's share
          long perWorker = Long.parseLong(env.getOrDefault("PIPELINE_WORKER_MAXINFLIGHT", "512"));
          LocalConfigFile file = r.configFile();
          Set<String> routed = new TreeSet<>();
          file.catalog().tiers().values().forEach(routed::addAll);
          long inFlight = 0;
          for (String model : routed) {
            ModelBudget b = file.budgets().forModel(model);
            assertThat(b.requestsPerMinute())
                .as(name + ": " + model + " is routed to but has no budget: nothing bounds it")
                .isNotNull();
            inFlight += b.requestsPerMinute() * SLOWEST_CALL.toSeconds() / 60;
          }
          long useful = (inFlight + perWorker - 1) / perWorker + 1; // + 1 spare
          int max = ((Number) at(scaled, "spec", "maxReplicaCount")).intValue();
          int min = ((Number) at(scaled, "spec", "minReplicaCount")).intValue();
          assertThat(max)
              .as(name + ": workers beyond the budgets' need buy nothing")
              .isLessThanOrEqualTo((int) useful);
          assertThat(max).isGreaterThanOrEqualTo(min).isLessThanOrEqualTo(partitions(r));
          assertThat(min).isPositive();
        });
  }

  @Test
  void pods_run_as_non_root_on_a_read_only_root_with_resources_a_budget_and_a_policy() {
    overlays.forEach(
        (name, r) ->
            r.pipelineContainers()
                .forEach(
                    (container, c) -> {
                      Map<String, Object> pod = r.podSpec(container);
                      assertThat(at(pod, "securityContext", "runAsNonRoot")).isEqualTo(true);
                      assertThat(at(pod, "automountServiceAccountToken")).isEqualTo(false);
                      assertThat(at(c, "securityContext", "allowPrivilegeEscalation"))
                          .isEqualTo(false);
                      assertThat(at(c, "securityContext", "readOnlyRootFilesystem"))
                          .isEqualTo(true);
                      assertThat(list(at(c, "securityContext", "capabilities", "drop"))).hasSize(1);
                      assertThat(r.volumeMountOf(container, c, null)).isNotNull();
                      assertThat(at(c, "resources", "requests", "cpu")).isNotNull();
                      assertThat(at(c, "resources", "requests", "memory"))
                          .isEqualTo(at(c, "resources", "limits", "memory"));
                      Map<String, Object> labels =
                          map(
                              at(
                                  r.deployment(container),
                                  "spec",
                                  "template",
                                  "metadata",
                                  "labels"));
                      assertThat(r.selecting("PodDisruptionBudget", labels))
                          .as(name + " " + container)
                          .hasSize(1);
                      List<Map<String, Object>> policies = r.selecting("NetworkPolicy", labels);
                      assertThat(policies).as(name + " " + container).isNotEmpty();
                      assertThat(String.valueOf(policies))
                          .as("no way to the cloud metadata service")
                          .contains("169.254.0.0/16");
                    }));
  }

  @Test
  void every_file_is_used_by_a_kustomization() throws IOException {
    Set<Path> used = new TreeSet<>();
    for (Rendered r : overlays.values()) {
      used.addAll(r.files());
    }
    try (Stream<Path> files = Files.walk(K8S)) {
      List<Path> unused =
          files
              .filter(Files::isRegularFile)
              .filter(
                  f ->
                      !f.getFileName()
                          .toString()
                          .matches("README.md|\\.gitignore|make-secrets.sh|kustomization.yaml"))
              .filter(f -> !used.contains(f.toAbsolutePath().normalize()))
              .toList();
      assertThat(unused).isEmpty();
    }
  }

  // ---- helpers: a small kustomize (resources, generators, strategic-merge patches) ----

  private static int partitions(Rendered r) {
    String p = r.environment(r.pipelineContainers().get("worker")).get("PIPELINE_KAFKA_PARTITIONS");
    return p == null ? 12 : Integer.parseInt(p);
  }

  private static Map<String, String> envFiles(Path dir) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String prefix = f.getFileName().toString().replace(".env", "");
        parseEnv(f).forEach((k, v) -> values.put(prefix + "/" + k, v));
      }
    }
    return values;
  }

  static Map<String, String> parseEnv(Path file) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int eq = line.indexOf('=');
        env.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    return env;
  }

  private static Duration duration(String text) {
    String t = text.strip();
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    long n = Long.parseLong(t.substring(0, t.length() - 1));
    return switch (t.charAt(t.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> throw new IllegalArgumentException(text);
    };
  }

  private static Object containerPort(Map<String, Object> container, Object port) {
    if (port instanceof Number) {
      return port;
    }
    for (Map<String, Object> p : list(container.get("ports"))) {
      if (port.equals(p.get("name"))) {
        return p.get("containerPort");
      }
    }
    throw new AssertionError("no port named " + port);
  }

  static List<Map<String, Object>> containers(Map<String, Object> doc) {
    Object spec = at(doc, "spec", "template", "spec", "containers");
    return spec == null ? List.of() : list(spec);
  }

  @SuppressWarnings("unchecked")
  static Object at(Object node, String... path) {
    Object cur = node;
    for (String p : path) {
      if (!(cur instanceof Map)) {
        return null;
      }
      cur = ((Map<String, Object>) cur).get(p);
    }
    return cur;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return o == null ? Map.of() : (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    return o == null ? List.of() : (List<Map<String, Object>>) o;
  }

  static String string(Object o) {
    return o == null ? null : String.valueOf(o);
  }

  /** One kustomization, rendered. */
  record Rendered(
      Path dir,
      List<Map<String, Object>> resources,
      Map<String, Map<String, String>> configMapFiles,
      Map<String, Map<String, String>> configMapEnvs,
      Map<String, Map<String, String>> generatedSecrets,
      Set<Path> files) {

    static Rendered of(Path dir) throws IOException {
      Path kustomization = dir.resolve("kustomization.yaml");
      Map<String, Object> k = load(kustomization).get(0);
      Rendered r =
          new Rendered(
              dir,
              new ArrayList<>(),
              new LinkedHashMap<>(),
              new LinkedHashMap<>(),
              new LinkedHashMap<>(),
              new TreeSet<>());
      for (Object entry : (List<?>) k.getOrDefault("resources", List.of())) {
        Path p = dir.resolve(String.valueOf(entry)).normalize();
        if (Files.isDirectory(p)) {
          Rendered base = of(p);
          r.resources.addAll(base.resources);
          r.configMapFiles.putAll(base.configMapFiles);
          r.configMapEnvs.putAll(base.configMapEnvs);
          r.generatedSecrets.putAll(base.generatedSecrets);
          r.files.addAll(base.files);
        } else {
          r.resources.addAll(load(p));
          r.files.add(p);
        }
      }
      for (Map<String, Object> g : list(k.get("configMapGenerator"))) {
        String name = string(g.get("name"));
        Map<String, String> files = new LinkedHashMap<>();
        for (Object f : (List<?>) g.getOrDefault("files", List.of())) {
          Path p = dir.resolve(String.valueOf(f)).normalize();
          files.put(p.getFileName().toString(), Files.readString(p));
          r.files.add(p);
        }
        Map<String, String> envs = new LinkedHashMap<>();
        for (Object f : (List<?>) g.getOrDefault("envs", List.of())) {
          Path p = dir.resolve(String.valueOf(f)).normalize();
          envs.putAll(parseEnv(p));
          r.files.add(p);
        }
        // replace (the only behavior the overlays use) and create both leave only these
        if (!files.isEmpty()) {
          r.configMapFiles.put(name, files);
        }
        if (!envs.isEmpty()) {
          r.configMapEnvs.put(name, envs);
        }
      }
      for (Map<String, Object> g : list(k.get("secretGenerator"))) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (Object f : (List<?>) g.getOrDefault("envs", List.of())) {
          // generated files live in secrets/ (git-ignored): read make-secrets.sh's output instead
          keys.putAll(parseEnv(secrets.resolve(Path.of(String.valueOf(f)).getFileName())));
        }
        r.generatedSecrets.put(string(g.get("name")), keys);
      }
      for (Map<String, Object> patch : list(k.get("patches"))) {
        Path p = dir.resolve(string(patch.get("path"))).normalize();
        r.files.add(p);
        for (Map<String, Object> doc : load(p)) {
          Map<String, Object> target =
              r.find(string(doc.get("kind")), string(at(doc, "metadata", "name")));
          merge(target, doc);
        }
      }
      return r;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> load(Path file) throws IOException {
      List<Map<String, Object>> docs = new ArrayList<>();
      try (InputStream in = Files.newInputStream(file)) {
        for (Object doc : new Yaml().loadAll(in)) {
          if (doc != null) {
            docs.add((Map<String, Object>) doc);
          }
        }
      }
      return docs;
    }

    /** Strategic merge as kustomize does it for these kinds: lists of named maps merge by name. */
    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> target, Map<String, Object> patch) {
      patch.forEach(
          (key, value) -> {
            Object current = target.get(key);
            if (value instanceof Map && current instanceof Map) {
              merge((Map<String, Object>) current, (Map<String, Object>) value);
            } else if (value instanceof List<?> l
                && current instanceof List<?> c
                && !l.isEmpty()
                && l.get(0) instanceof Map<?, ?> first
                && first.containsKey("name")) {
              List<Map<String, Object>> merged = new ArrayList<>((List<Map<String, Object>>) c);
              for (Map<String, Object> item : (List<Map<String, Object>>) l) {
                Map<String, Object> same =
                    merged.stream()
                        .filter(m -> item.get("name").equals(m.get("name")))
                        .findFirst()
                        .orElse(null);
                if (same == null) {
                  merged.add(item);
                } else {
                  merge(same, item);
                }
              }
              target.put(key, merged);
            } else {
              target.put(key, value);
            }
          });
    }

    Map<String, Object> find(String kind, String name) {
      return resources.stream()
          .filter(d -> kind.equals(d.get("kind")) && name.equals(at(d, "metadata", "name")))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + dir));
    }

    Map<String, Object> one(String kind) {
      List<Map<String, Object>> all =
          resources.stream().filter(d -> kind.equals(d.get("kind"))).toList();
      assertThat(all).as(kind + " in " + dir).hasSize(1);
      return all.get(0);
    }

    Map<String, Object> deployment(String container) {
      return resources.stream()
          .filter(d -> "Deployment".equals(d.get("kind")))
          .filter(d -> containers(d).stream().anyMatch(c -> container.equals(c.get("name"))))
          .findFirst()
          .orElseThrow();
    }

    Map<String, Object> podSpec(String container) {
      return map(at(deployment(container), "spec", "template", "spec"));
    }

    /** The api and worker containers, by name. */
    Map<String, Map<String, Object>> pipelineContainers() {
      Map<String, Map<String, Object>> out = new LinkedHashMap<>();
      for (Map<String, Object> d : resources) {
        if ("Deployment".equals(d.get("kind"))) {
          for (Map<String, Object> c : containers(d)) {
            if (APPS.containsKey(string(c.get("name")))) {
              out.put(string(c.get("name")), c);
            }
          }
        }
      }
      assertThat(out.keySet()).as(dir.toString()).containsExactlyInAnyOrder("api", "worker");
      return out;
    }

    /** The container's variables: envFrom ConfigMaps, then env (literal values or a marker). */
    Map<String, String> environment(Map<String, Object> container) {
      Map<String, String> env = new LinkedHashMap<>();
      for (Map<String, Object> from : list(container.get("envFrom"))) {
        String cm = string(at(from, "configMapRef", "name"));
        assertThat(configMapEnvs).as("envFrom ConfigMap " + cm).containsKey(cm);
        env.putAll(configMapEnvs.get(cm));
      }
      for (Map<String, Object> e : list(container.get("env"))) {
        env.put(
            string(e.get("name")),
            e.containsKey("value") ? string(e.get("value")) : "<from " + at(e, "valueFrom") + ">");
      }
      return env;
    }

    /** Where the named ConfigMap (or, null, a writable /tmp) is mounted in the container. */
    String volumeMountOf(String container, Map<String, Object> c, String configMap) {
      Map<String, Object> pod = podSpec(container);
      for (Map<String, Object> mount : list(c.get("volumeMounts"))) {
        Map<String, Object> volume =
            list(pod.get("volumes")).stream()
                .filter(v -> mount.get("name").equals(v.get("name")))
                .findFirst()
                .orElseThrow();
        if (configMap == null
            && "/tmp".equals(mount.get("mountPath"))
            && volume.containsKey("emptyDir")) {
          return "/tmp";
        }
        if (configMap != null && configMap.equals(at(volume, "configMap", "name"))) {
          return string(mount.get("mountPath"));
        }
      }
      return null;
    }

    LocalConfigFile configFile() {
      try {
        String text = configMapFiles.get("catalog-pipeline-config").get("pipeline.yml");
        Path tmp = Files.createTempFile("pipeline", ".yml");
        Files.writeString(tmp, text);
        // every key present, as in a pod that has its Secrets
        Map<String, String> env = new HashMap<>();
        LocalConfigFile first = LocalConfigFile.load(tmp, Map.of());
        first.placeholderVariables().forEach(v -> env.put(v, "a-key-from-a-secret"));
        return LocalConfigFile.load(tmp, env);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    /** Every (secret, key, optional) a pod's env reads. */
    List<String[]> secretReferences() {
      List<String[]> refs = new ArrayList<>();
      for (Map<String, Object> d : resources) {
        for (Map<String, Object> c : containers(d)) {
          for (Map<String, Object> e : list(c.get("env"))) {
            Object ref = at(e, "valueFrom", "secretKeyRef");
            if (ref != null) {
              refs.add(
                  new String[] {
                    string(at(ref, "name")), string(at(ref, "key")), string(at(ref, "optional"))
                  });
            }
          }
        }
      }
      return refs;
    }

    /** Resources of this kind whose selector picks pods with these labels. */
    List<Map<String, Object>> selecting(String kind, Map<String, Object> labels) {
      return resources.stream()
          .filter(d -> kind.equals(d.get("kind")))
          .filter(
              d -> {
                Object selector =
                    kind.equals("NetworkPolicy")
                        ? at(d, "spec", "podSelector", "matchLabels")
                        : at(d, "spec", "selector", "matchLabels");
                return selector != null && labels.entrySet().containsAll(map(selector).entrySet());
              })
          .toList();
    }
  }
}
