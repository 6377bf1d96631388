package io.catalogimage.local;

import io.catalogimage.api.ApiApplication;
import io.catalogimage.api.auth.ApiKeyFormat;
import io.catalogimage.infra.LocalKafka;
import io.catalogimage.infra.LocalPostgres;
import io.catalogimage.infra.LocalS3;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.worker.WorkerApplication;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole pipeline on one machine without Docker: real PostgreSQL, Kafka and S3-protocol servers,
 * the provider simulator, the api and workers. Used by the demo, the end-to-end tests and the
 * benchmarks; the apps themselves contain no embedded-server code.
 */
public final class LocalPipeline implements AutoCloseable {

  public static final String BUCKET = "catalog-images";

  private final Options options;
  private volatile boolean closed;

  /** Stops everything in order when the JVM exits without {@link #close()} (Ctrl-C, an error). */
  private final Thread stopOnExit = new Thread(this::close, "local-pipeline-shutdown");

  private final List<AutoCloseable> started = new ArrayList<>();
  private final List<ConfigurableApplicationContext> workers = new ArrayList<>();
  private LocalPostgres postgres;
  private LocalKafka kafka;
  private LocalS3 s3;
  private ProviderSimulator simulator;
  private ConfigurableApplicationContext api;
  private final String apiKey = ApiKeyFormat.generate();
  private final String adminToken = "admin-" + UUID.randomUUID();
  private final String credentialsKey = randomKey();
  private String jdbcUrl;
  private int apiPort;

  /**
   * How to start it.
   *
   * @param s3Directory where S3 keeps objects as files; null keeps them in memory
   * @param apiPort 0 for any free port
   * @param kafkaPort 0 for any free port
   * @param startKafka false to start without Kafka (it can be started later on {@code kafkaPort})
   * @param simulator simulator settings (its port too); null starts none and wires no endpoint: the
   *     apps' own configuration (e.g. a file given with {@code spring.config.additional-location})
   *     names the providers
   * @param workers worker contexts to start in this JVM
   * @param properties extra settings for both apps (e.g. pipeline.worker.max-in-flight)
   * @param apiInProcess false: no api in this JVM; start it with {@link ApiProcess} (to kill it)
   */
  public record Options(
      Path s3Directory,
      int apiPort,
      int kafkaPort,
      boolean startKafka,
      SimulatorConfig simulator,
      int workers,
      Map<String, Object> properties,
      boolean apiInProcess) {

    public static Options defaults() {
      return new Options(
          null, 0, 0, true, SimulatorConfig.defaults().withoutPeak(), 1, Map.of(), true);
    }

    public Options withSimulator(SimulatorConfig config) {
      return new Options(
          s3Directory, apiPort, kafkaPort, startKafka, config, workers, properties, apiInProcess);
    }

    public Options withWorkers(int n) {
      return new Options(
          s3Directory, apiPort, kafkaPort, startKafka, simulator, n, properties, apiInProcess);
    }

    public Options withS3Directory(Path dir) {
      return new Options(
          dir, apiPort, kafkaPort, startKafka, simulator, workers, properties, apiInProcess);
    }

    public Options withApiPort(int port) {
      return new Options(
          s3Directory, port, kafkaPort, startKafka, simulator, workers, properties, apiInProcess);
    }

    public Options withKafkaDown(int port) {
      return new Options(
          s3Directory, apiPort, port, false, simulator, workers, properties, apiInProcess);
    }

    /** The api is not started in this JVM: {@link ApiProcess#start} runs it on the api port. */
    public Options withApiAsProcess() {
      return new Options(
          s3Directory, apiPort, kafkaPort, startKafka, simulator, workers, properties, false);
    }

    public Options withProperty(String key, Object value) {
      Map<String, Object> p = new LinkedHashMap<>(properties);
      p.put(key, value);
      return new Options(
          s3Directory, apiPort, kafkaPort, startKafka, simulator, workers, p, apiInProcess);
    }
  }

  private LocalPipeline(Options options) {
    this.options = options;
  }

  /** An API key of the default tenant, made for this run. */
  public String apiKey() {
    return apiKey;
  }

  /** The admin api's token for this run. */
  public String adminToken() {
    return adminToken;
  }

  /** A client of the api acting for the default tenant. */
  public ApiClient client() {
    return new ApiClient(apiUri(), apiKey);
  }

  /** Starts everything; on failure stops what had started and rethrows. */
  public static LocalPipeline start(Options options, Consumer<String> progress) {
    return start(options, progress, created -> {});
  }

  /**
   * As {@link #start(Options, Consumer)}, handing the pipeline to {@code created} before anything
   * starts, so that a Ctrl-C during start-up can {@link #close()} what is already running (the
   * PostgreSQL server is a child process that would outlive this JVM).
   */
  public static LocalPipeline start(
      Options options, Consumer<String> progress, Consumer<LocalPipeline> created) {
    LocalPipeline p = new LocalPipeline(options);
    Runtime.getRuntime().addShutdownHook(p.stopOnExit);
    created.accept(p);
    try {
      p.startAll(progress);
      return p;
    } catch (RuntimeException | Error e) {
      p.close();
      throw e;
    }
  }

  /** Reports the next step, or stops start-up when the pipeline was closed meanwhile (Ctrl-C). */
  private void step(Consumer<String> progress, String step) {
    if (closed) {
      throw new IllegalStateException("the local pipeline was stopped while starting");
    }
    progress.accept(step);
  }

  private void startAll(Consumer<String> progress) {
    step(progress, "starting PostgreSQL");
    postgres = track(LocalPostgres.start(false));
    jdbcUrl = postgres.createDatabase("catalog");
    if (options.startKafka()) {
      step(progress, "starting Kafka");
      kafka = track(LocalKafka.start(options.kafkaPort()));
    }
    step(progress, "starting the S3-protocol server");
    s3 =
        track(
            options.s3Directory() == null
                ? LocalS3.inMemory()
                : LocalS3.onDisk(options.s3Directory(), 0));
    s3.createBucket(BUCKET);
    if (options.simulator() != null) {
      step(progress, "starting the provider simulator");
      simulator = track(ProviderSimulator.start(options.simulator()));
    }
    if (options.apiInProcess()) {
      step(progress, "starting the api");
      api = startApi();
      apiPort =
          api.getEnvironment().getProperty("local.server.port", Integer.class, options.apiPort());
    } else {
      apiPort = options.apiPort() > 0 ? options.apiPort() : freePort();
    }
    for (int i = 0; i < options.workers(); i++) {
      step(progress, "starting worker " + (i + 1));
      startWorker();
    }
  }

  /** Starts the broker on the reserved port, when the pipeline was started without it. */
  public void startKafka() {
    if (kafka == null) {
      kafka = track(LocalKafka.start(options.kafkaPort()));
    }
  }

  private ConfigurableApplicationContext startApi() {
    return stopIfClosed(
        ApiApplication.builder().registerShutdownHook(false).run(asArguments(apiProperties())));
  }

  /** The settings of this pipeline's api, in this JVM or as its own process. */
  public Map<String, Object> apiProperties() {
    Map<String, Object> props = commonProperties();
    props.put("server.port", options.apiInProcess() ? options.apiPort() : apiPort);
    props.put("pipeline.security.bootstrap-key", apiKey);
    // a developer's webhook receiver runs on this machine, over plain http
    props.put("pipeline.webhooks.allow-private-addresses", true);
    props.put("pipeline.webhooks.allow-http", true);
    // schedules: the sample feed is served from this machine over plain http; feed credentials are
    // sealed with a key made for this run (the same for an api restarted as its own process)
    props.put("pipeline.schedules.allow-http", true);
    props.put("pipeline.schedules.trusted-hosts", "127.0.0.1");
    props.put("pipeline.schedules.poll-interval", "1s");
    props.put("pipeline.schedules.credentials-key", credentialsKey);
    return props;
  }

  private static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String randomKey() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    return java.util.Base64.getEncoder().encodeToString(key);
  }

  /** Starts another worker in this JVM. */
  public ConfigurableApplicationContext startWorker() {
    Map<String, Object> props = commonProperties();
    props.put("server.port", 0);
    props.put("pipeline.worker.id", "local-worker-" + (workers.size() + 1));
    ConfigurableApplicationContext worker =
        stopIfClosed(
            WorkerApplication.builder().registerShutdownHook(false).run(asArguments(props)));
    workers.add(worker);
    return worker;
  }

  /**
   * As command-line arguments, which outrank the apps' own config files (builder properties would
   * only be defaults).
   */
  private static String[] asArguments(Map<String, Object> props) {
    return props.entrySet().stream()
        .map(e -> "--" + e.getKey() + "=" + e.getValue())
        .toArray(String[]::new);
  }

  /** The settings a worker needs to join this pipeline, e.g. for one started as its own process. */
  public Map<String, Object> commonProperties() {
    Map<String, Object> props = new LinkedHashMap<>();
    // servers started by and for this process: their well-known credentials are fine here only
    props.put("pipeline.local-mode", true);
    props.put("spring.datasource.url", jdbcUrl);
    props.put("spring.datasource.username", LocalPostgres.USER);
    props.put("spring.datasource.password", LocalPostgres.PASSWORD);
    props.put("spring.kafka.bootstrap-servers", kafkaBootstrap());
    props.put("pipeline.storage.endpoint", s3.endpoint().toString());
    props.put("pipeline.storage.access-key", LocalS3.ACCESS_KEY);
    props.put("pipeline.storage.secret-key", LocalS3.SECRET_KEY);
    props.put("pipeline.storage.bucket", BUCKET);
    if (simulator != null) {
      props.put("pipeline.providers.endpoints.simulator.protocol", "gemini");
      props.put("pipeline.providers.endpoints.simulator.base-url", simulator.baseUri().toString());
      props.put("pipeline.providers.endpoints.simulator.api-key", "sim-key");
      // the pipeline's peak hours follow the simulator's: off when the simulator has none
      props.put("pipeline.peak.enabled", options.simulator().peak().enabled());
    }
    props.put("spring.main.banner-mode", "off");
    // the api's admin api and both apps' actuator endpoints other than health
    props.put("pipeline.security.admin-token", adminToken);
    props.putAll(options.properties());
    return props;
  }

  private String kafkaBootstrap() {
    return kafka != null ? kafka.bootstrapServers() : "127.0.0.1:" + options.kafkaPort();
  }

  public URI apiUri() {
    return URI.create("http://127.0.0.1:" + apiPort);
  }

  /** The simulator, or null when the configuration names real providers. */
  public ProviderSimulator simulator() {
    return simulator;
  }

  /** The servers, to stop and restart them (fault tests). */
  public LocalPostgres postgres() {
    return postgres;
  }

  public LocalKafka kafka() {
    return kafka;
  }

  public LocalS3 s3() {
    return s3;
  }

  public String jdbcUrl() {
    return jdbcUrl;
  }

  public ConfigurableApplicationContext api() {
    return api;
  }

  public List<ConfigurableApplicationContext> workers() {
    return workers;
  }

  /** An app that finished starting after a Ctrl-C stopped the rest is stopped at once. */
  private ConfigurableApplicationContext stopIfClosed(ConfigurableApplicationContext app) {
    if (closed) {
      closeQuietly(app::close);
      throw new IllegalStateException("the local pipeline was stopped while starting");
    }
    return app;
  }

  private synchronized <T extends AutoCloseable> T track(T resource) {
    if (closed) {
      closeQuietly(resource);
      throw new IllegalStateException("the local pipeline was stopped while starting");
    }
    started.add(resource);
    return resource;
  }

  /**
   * Stops the workers first (they hand back unstarted items), then the api, then the servers. The
   * apps register no shutdown hooks of their own: Spring's would race this order on Ctrl-C and stop
   * the database under workers still settling their calls.
   */
  @Override
  public synchronized void close() {
    closed = true;
    if (Thread.currentThread() != stopOnExit) {
      try {
        Runtime.getRuntime().removeShutdownHook(stopOnExit);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to; close() is idempotent
      }
    }
    for (int i = workers.size() - 1; i >= 0; i--) {
      closeQuietly(workers.get(i)::close);
    }
    workers.clear();
    if (api != null) {
      closeQuietly(api::close);
    }
    for (int i = started.size() - 1; i >= 0; i--) {
      closeQuietly(started.get(i));
    }
    started.clear();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      System.err.println("while stopping: " + e);
    }
  }
}
