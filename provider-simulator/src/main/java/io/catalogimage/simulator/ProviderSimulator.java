package io.catalogimage.simulator;

import com.sun.net.httpserver.HttpServer;
import io.catalogimage.simulator.admin.AdminHandler;
import io.catalogimage.simulator.batch.BatchStore;
import io.catalogimage.simulator.config.QuotaShape;
import io.catalogimage.simulator.engine.Engine;
import io.catalogimage.simulator.fault.FaultPlanner;
import io.catalogimage.simulator.gemini.GeminiBatchHandler;
import io.catalogimage.simulator.gemini.GeminiHandler;
import io.catalogimage.simulator.gemini.ThoughtSignatures;
import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import io.catalogimage.simulator.http.Responder;
import io.catalogimage.simulator.models.ModelRegistry;
import io.catalogimage.simulator.openai.OpenAiBatchHandler;
import io.catalogimage.simulator.openai.OpenAiHandler;
import io.catalogimage.simulator.png.ImageFactory;
import io.catalogimage.simulator.quota.QuotaLedger;
import io.catalogimage.simulator.stats.StatsRecorder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local stand-in for Google's Gemini image API ({@code /v1beta/models/{m}:generateContent}) and
 * OpenAI's Images API ({@code /v1/images/*}) on one port, with quotas, peak hours, safety blocks,
 * silent downgrades, server errors and latency, plus both Batch APIs (Gemini {@code
 * batchGenerateContent} with the Files API; OpenAI {@code /v1/files} and {@code /v1/batches}).
 *
 * <pre>{@code
 * try (ProviderSimulator sim = ProviderSimulator.start(SimulatorConfig.defaults().withTimeScale(0))) {
 *   URI gemini = sim.baseUri(); // key "sim-key"
 * }
 * }</pre>
 *
 * <p>Threads: a small fixed pool reads and decides, one timer thread waits out latencies, a small
 * pool writes the delayed answers. All are daemon threads; {@link #close()} stops them.
 */
public final class ProviderSimulator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProviderSimulator.class);
  private static final String EMBEDDED_HOST = "127.0.0.1";

  static {
    // The JDK server writes response headers and body in separate segments; with Nagle on, the
    // body waits for the client's delayed ACK (~40 ms per call). Read once, when the JDK's server
    // config class loads, so it must be set before the first HttpServer is created.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final AtomicReference<SimulatorConfig> config;
  private final SimulatorClock clock = new SimulatorClock();
  private final StatsRecorder stats = new StatsRecorder();
  private final QuotaLedger ledger = new QuotaLedger();
  private final FaultPlanner planner = new FaultPlanner();
  private final BatchStore batches = new BatchStore(planner);
  private final ThoughtSignatures signatures = new ThoughtSignatures();
  private final Engine engine;
  private final HttpServer server;
  private final ExecutorService httpPool;
  private final ScheduledExecutorService timer;
  private final ExecutorService writers;
  private final URI baseUri;

  private ProviderSimulator(SimulatorConfig initial, String defaultHost) throws IOException {
    this.config = new AtomicReference<>(startShapes(initial));
    String host = initial.server().host() != null ? initial.server().host() : defaultHost;
    this.server =
        HttpServer.create(new InetSocketAddress(host, initial.port()), initial.server().backlog());
    this.httpPool =
        Executors.newFixedThreadPool(initial.server().httpThreads(), threads("sim-http"));
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, threads("sim-timer"));
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    this.writers =
        Executors.newFixedThreadPool(initial.server().writerThreads(), threads("sim-writer"));

    Responder responder = new Responder(timer, writers);
    engine = new Engine(config::get, clock, ledger, planner, stats);
    ModelRegistry registry = ModelRegistry.builtIn();
    ImageFactory images = new ImageFactory(() -> config.get().images());
    GeminiBatchHandler geminiBatches =
        new GeminiBatchHandler(engine, responder, registry, images, batches, signatures);
    GeminiHandler gemini =
        new GeminiHandler(engine, responder, registry, images, geminiBatches, signatures);
    server.createContext("/v1beta/", gemini);
    server.createContext("/v1beta/batches", geminiBatches);
    server.createContext("/v1beta/files", geminiBatches);
    server.createContext("/upload/v1beta/files", geminiBatches);
    server.createContext("/download/v1beta/files", geminiBatches);
    OpenAiHandler openAi = new OpenAiHandler(engine, responder, registry, images);
    // the longest matching context wins; /v1/models/ is Gemini's (google-genai 2.x) and OpenAI's
    // GET /v1/models/{model}: told apart by the key's header
    server.createContext(
        "/v1/models/",
        exchange -> {
          boolean openAiCall =
              exchange.getRequestHeaders().containsKey("Authorization")
                  && !exchange.getRequestHeaders().containsKey("x-goog-api-key");
          (openAiCall ? openAi : gemini).handle(exchange);
        });
    server.createContext("/v1/", openAi);
    OpenAiBatchHandler openAiBatches =
        new OpenAiBatchHandler(engine, responder, registry, images, batches);
    server.createContext("/v1/files", openAiBatches);
    server.createContext("/v1/batches", openAiBatches);
    AdminHandler admin = new AdminHandler(this, responder);
    server.createContext("/sim/", admin);
    server.createContext("/healthz", admin);
    server.createContext(
        "/",
        exchange ->
            responder.send(
                exchange,
                HttpReply.json(
                    404,
                    Json.object()
                        .put("status", 404)
                        .put("error", "no such endpoint: " + exchange.getRequestURI().getPath()))));
    server.setExecutor(httpPool);
    server.start();

    int port = server.getAddress().getPort();
    config.set(initial.withPort(port)); // so config() reports the port actually bound
    String uriHost = host.equals("0.0.0.0") || host.equals("::") ? EMBEDDED_HOST : host;
    this.baseUri =
        URI.create(
            "http://" + (uriHost.contains(":") ? "[" + uriHost + "]" : uriHost) + ":" + port);
  }

  /** Starts on {@code config.port()} (0 = a random free port), bound to 127.0.0.1 unless told. */
  public static ProviderSimulator start(SimulatorConfig config) {
    return start(config, EMBEDDED_HOST);
  }

  /** Starts bound to {@code defaultHost} unless the config names a host (standalone: 0.0.0.0). */
  static ProviderSimulator start(SimulatorConfig config, String defaultHost) {
    try {
      ProviderSimulator sim = new ProviderSimulator(config, defaultHost);
      log.info(
          "provider simulator listening on {} (base URL {})", sim.server.getAddress(), sim.baseUri);
      return sim;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot start the provider simulator on port " + config.port(), e);
    }
  }

  /**
   * {@code http://127.0.0.1:PORT}: Gemini under {@code /v1beta/...}, OpenAI under {@code /v1/...}.
   */
  public URI baseUri() {
    return baseUri;
  }

  public int port() {
    return baseUri.getPort();
  }

  /** The clock behind quota windows, the daily reset and peak hours (not latency). */
  public SimulatorClock clock() {
    return clock;
  }

  /** True when the simulator holds a batch job of this display name (Gemini) or metadata name. */
  public boolean holdsBatchJobNamed(String name) {
    return batches.holdsJobNamed(name);
  }

  /** How many times each batch line key has run (been billed) so far, over every batch job. */
  public java.util.Map<String, Integer> batchLinesRunByKey() {
    return batches.linesRunByKey(clock.now());
  }

  /** The same data as {@code GET /sim/stats}. */
  public StatsSnapshot stats() {
    return stats.snapshot(clock.now());
  }

  /**
   * The input images (reference photos, images to edit, images to caption) received most recently,
   * by SHA-256.
   */
  public java.util.List<io.catalogimage.simulator.stats.ReceivedImages.Received> receivedImages() {
    return engine.receivedImages().recent();
  }

  public void resetStats() {
    stats.reset();
    engine.receivedImages().reset();
    signatures.reset();
  }

  /** Thought signatures issued, echoed intact, and refused (missing or altered), since start. */
  public ThoughtSignatures.Counts signatures() {
    return signatures.counts();
  }

  /**
   * Forgets everything learnt at runtime: stats, quota usage (minute windows and daily counters)
   * and how often each prompt was seen (trigger {@code :N} counts and fault draws start over).
   */
  public void resetState() {
    stats.reset();
    ledger.reset();
    planner.reset();
    batches.reset();
  }

  /**
   * Swaps the settings atomically; calls already decided keep their verdict. The port, host and
   * thread counts cannot change at runtime and are kept.
   */
  public void reconfigure(SimulatorConfig newConfig) {
    SimulatorConfig current = config.get();
    config.set(startShapes(newConfig.withPort(current.port()).withServer(current.server())));
  }

  /** Quota shapes without a start begin now (simulator clock). */
  private SimulatorConfig startShapes(SimulatorConfig c) {
    Instant now = clock.now();
    return c.withQuotas(c.quotas().mapShapes(s -> s.since() == null ? s.startingAt(now) : s));
  }

  /**
   * The per-minute quota of {@code model} now, when it follows a hidden shape ({@code
   * quotas.shapes}).
   */
  public OptionalLong hiddenQuota(String model) {
    QuotaShape shape = config.get().quotas().shapes().get(model);
    return shape == null ? OptionalLong.empty() : OptionalLong.of(shape.rpmAt(clock.now()));
  }

  /**
   * How many calls to {@code model} its hidden quota shape grants between two instants (simulator
   * clock): the benchmark's "what the provider would have granted".
   */
  public double grantable(String model, Instant from, Instant to) {
    QuotaShape shape = config.get().quotas().shapes().get(model);
    if (shape == null) {
      throw new IllegalArgumentException(model + " has no quota shape");
    }
    return shape.grantable(from, to);
  }

  public SimulatorConfig config() {
    return config.get();
  }

  /** Stops accepting, drops pending answers and stops every thread. */
  @Override
  public void close() {
    server.stop(0);
    timer.shutdownNow();
    writers.shutdownNow();
    httpPool.shutdownNow();
    try {
      writers.awaitTermination(2, TimeUnit.SECONDS);
      httpPool.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
