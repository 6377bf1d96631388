package io.catalogimage.local.bench;

import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.local.ApiClient;
import io.catalogimage.local.LocalPipeline;
import io.catalogimage.local.WorkerProcess;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * Issue 17: the pipeline on images as large as the providers return (the simulator's realistic
 * payloads, about 1.5 bytes per pixel). Three parts, each on its own local pipeline:
 *
 * <ul>
 *   <li>{@code throughput}: zero-latency simulator, 1K, 2K and 4K images; items/s and MB/s, once
 *       the JIT is quiet, beside the raw PUT rate of the same objects through the same S3 client
 *       and server;
 *   <li>{@code inflight}: thousands of calls held by one worker process with {@code -Xmx512m} at 20
 *       s latency with 1K images: peak in flight, heap peak, GC pause time;
 *   <li>{@code burst}: 200 4K answers arriving within about a second at one worker process with
 *       {@code -Xmx512m}: no OutOfMemoryError, every image stored, heap peak.
 * </ul>
 *
 * Heap peaks come from the worker's GC log (heap used before each collection), not from sampling.
 * With {@code --live-set} the worker's live heap is also sampled (LiveSet: a full collection every
 * two seconds, which changes that run's GC figures).
 */
final class PayloadBenchmark {

  private static final java.util.regex.Pattern GC_PAUSE =
      java.util.regex.Pattern.compile("Pause.* (\\d+)M->(\\d+)M\\((\\d+)M\\) ([0-9.]+)ms");

  /**
   * The worker's storage and database threads in the throughput part (-Dbench.io-threads=N): with
   * real-size images a PUT waits on the S3 server for most of its time, so more threads than the
   * default 8 keep the store busy; the raw PUT rate beside it uses as many.
   */
  private static final int IO_THREADS = Integer.getInteger("bench.io-threads", 16);

  private final List<String> parts;
  private final Map<String, Integer> throughputItems;
  private final Duration warmUp;
  private final int inFlightItems;
  private final Duration inFlightLatency;
  private final int burstItems;
  private final boolean sampleLiveSet;

  PayloadBenchmark(
      List<String> parts,
      Map<String, Integer> throughputItems,
      Duration warmUp,
      int inFlightItems,
      Duration inFlightLatency,
      int burstItems,
      boolean sampleLiveSet) {
    this.parts = parts;
    this.throughputItems = throughputItems;
    this.warmUp = warmUp;
    this.inFlightItems = inFlightItems;
    this.inFlightLatency = inFlightLatency;
    this.burstItems = burstItems;
    this.sampleLiveSet = sampleLiveSet;
  }

  void run() throws Exception {
    System.out.println("Payload benchmark (real-size images), parts " + parts);
    System.out.println("Machine: " + Machine.describe());
    List<String> rows = new ArrayList<>();
    if (parts.contains("throughput")) {
      rows.addAll(throughput());
    }
    if (parts.contains("inflight")) {
      rows.add(inFlight());
    }
    if (parts.contains("burst")) {
      rows.add(burst());
    }
    System.out.println();
    System.out.println("Machine: " + Machine.describe());
    rows.forEach(System.out::println);
  }

  // ---------------------------------------------------------------- throughput

  /** One pipeline for the three sizes, each measured after a warm-up batch of its own size. */
  private List<String> throughput() throws Exception {
    Path s3 = Files.createTempDirectory("bench-payload-s3-");
    System.out.printf(
        "%nThroughput: simulator latency 0, real-size PNGs, S3 on disk, %s%n", throughputItems);
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withS3Directory(s3)
                .withSimulator(
                    SimulatorConfig.defaults()
                        .withoutPeak()
                        .withTimeScale(0.0)
                        .withRealisticImages())
                .withProperty("pipeline.dispatch.batch-size", 1000)
                .withProperty("pipeline.dispatch.max-outstanding-per-lane", 20000)
                .withProperty("pipeline.worker.max-in-flight", 64)
                .withProperty("pipeline.worker.io-threads", IO_THREADS)
                .withProperty("spring.kafka.consumer.max-poll-records", 500),
            step -> System.out.println("  " + step + "..."))) {
      List<String> rows = new ArrayList<>();
      for (String size : List.of("1K", "2K", "4K")) {
        int items = throughputItems.getOrDefault(size, 0);
        if (items > 0) {
          rows.add(throughputAt(pipeline, s3, size, items));
        }
      }
      return rows;
    } finally {
      deleteTree(s3);
    }
  }

  /**
   * The pipeline warmed until the JIT is quiet, one measured batch, then the raw PUT rate of its
   * objects, also warmed. Why this order: this one JVM holds the api, the worker, the simulator,
   * Kafka's broker and S3Proxy, tens of thousands of hot methods, and on two cores the JIT takes
   * about a core for minutes (measured 2026-12-07: 30 s of compilation during the first 200-item 2K
   * batch, 3 s during the eighth); a raw PUT run between the warm-up and the measured batch sent
   * the shared storage path back through the compiler (the 1K rate fell from 54 to 26 items/s). A
   * worker runs for hours: what it sustains once compiled is the figure that matters.
   */
  private String throughputAt(LocalPipeline pipeline, Path s3, String size, int items)
      throws Exception {
    System.out.printf("%n  %s: %d items%n", size, items);
    ApiClient api = pipeline.client();
    ObjectStore store = pipeline.api().getBean(ObjectStore.class);
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    byte[][] objects = null;
    long warmUntil = System.nanoTime() + warmUp.toNanos();
    int rounds = 0;
    while (true) {
      long compiledBefore = jit.getTotalCompilationTime();
      Timed warm = timeBatch(api, "warm-" + size + "-" + rounds, items, size);
      long compiling = jit.getTotalCompilationTime() - compiledBefore;
      rounds++;
      System.out.printf(
          "  warm-up %d: %.1f items/s, JIT compiling %.1f s of %.1f s%n",
          rounds, items / warm.seconds(), compiling / 1e3, warm.seconds());
      if (objects == null) {
        objects = storedObjects(pipeline, store, warm.batchId());
      }
      deleteBatchObjects(s3, warm.batchId());
      if (compiling < warm.seconds() * 1e3 * JIT_QUIET || System.nanoTime() > warmUntil) {
        break;
      }
    }
    double mb = objects[0].length / 1e6;
    double[] measured = new double[MEASURED_ROUNDS];
    double jitSeconds = 0;
    for (int r = 0; r < MEASURED_ROUNDS; r++) {
      long compiledBefore = jit.getTotalCompilationTime();
      Timed batch = timeBatch(api, "bench-" + size + "-" + r, items, size);
      double jitThis = (jit.getTotalCompilationTime() - compiledBefore) / 1e3;
      jitSeconds += jitThis;
      measured[r] = items / batch.seconds();
      System.out.printf(
          "  measured %d: %d items of %.2f MB in %.1f s = %.1f items/s (JIT compiling %.1f s)%n",
          r + 1, items, mb, batch.seconds(), measured[r], jitThis);
      deleteBatchObjects(s3, batch.batchId());
    }
    double rate = median(measured);
    System.out.printf(
        "  pipeline: median %.1f items/s, %.0f MB/s (JIT compiling %.1f s in all)%n",
        rate, rate * mb, jitSeconds);
    double[] raws = rawRounds(store, s3, objects, items, null);
    double raw = meanOfLastTwo(raws);
    System.out.printf(
        "  raw S3 PUT (image + sidecar, same client and server, %d threads): %s items/s; mean of"
            + " the last two %.1f items/s, %.0f MB/s%n",
        IO_THREADS, rates(raws), raw, raw * mb);
    System.out.printf("  ratio pipeline / raw S3: %.2f%n", rate / raw);
    double[] fetched =
        rawRounds(store, s3, objects, items, generateRequest(pipeline, size, "raw fetch"));
    double fetch = meanOfLastTwo(fetched);
    System.out.printf(
        "  raw fetch + PUT (the simulator's answer read and dropped, then the same PUTs): %s"
            + " items/s; mean of the last two %.1f items/s; ratio pipeline / this: %.2f%n",
        rates(fetched), fetch, rate / fetch);
    return String.format(
        "| throughput | %s | %.2f MB | %d | %d warm-up rounds | %s items/s (JIT %.1f s in all) |"
            + " %.1f items/s (%.0f MB/s) | %s items/s (mean of the last two %.0f MB/s) | %.2f |"
            + " fetch + PUT %s items/s | %.2f |",
        size,
        mb,
        items,
        rounds,
        rates(measured),
        jitSeconds,
        rate,
        rate * mb,
        rates(raws),
        raw * mb,
        rate / raw,
        rates(fetched),
        rate / fetch);
  }

  /** Warm-up stops once the JIT compiled for less than this share of a round's wall time. */
  private static final double JIT_QUIET = 0.10;

  /**
   * Measured batches per size; their median counts. One batch of 8-10 s moved by up to a quarter
   * from the next on this machine (2026-12-07: 58.6 items/s measured after warm-up batches at
   * 75-80), so one batch said more about that moment than about the pipeline.
   */
  private static final int MEASURED_ROUNDS = 3;

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** Raw PUT runs after the measured batches; the first warms the raw path, the last two count. */
  private static final int RAW_ROUNDS = 3;

  /** {@link #RAW_ROUNDS} runs of {@link #rawPutRate}, each one's objects deleted after it. */
  private static double[] rawRounds(
      ObjectStore store, Path s3, byte[][] objects, int items, HttpRequest fetch) throws Exception {
    double[] rates = new double[RAW_ROUNDS];
    for (int r = 0; r < RAW_ROUNDS; r++) {
      rates[r] = rawPutRate(store, objects[0], objects[1], items, IO_THREADS, fetch);
      deleteTree(s3.resolve(BUCKET).resolve(RAW_PREFIX));
    }
    return rates;
  }

  private static double meanOfLastTwo(double[] rates) {
    return (rates[rates.length - 2] + rates[rates.length - 1]) / 2;
  }

  private static final String BUCKET = LocalPipeline.BUCKET;
  private static final String RAW_PREFIX = "raw-s3-bench";

  private static String rates(double[] rates) {
    return Arrays.stream(rates)
        .mapToObj(r -> String.format("%.1f", r))
        .collect(java.util.stream.Collectors.joining(" / "));
  }

  /**
   * A batch's objects go once measured: warm-up rounds of 4K images would fill the disk. The
   * batch's folder is found under each tenant rather than by walking the store, where S3Proxy's
   * temporary files (a manifest being written) come and go during the walk.
   */
  private static void deleteBatchObjects(Path s3, String batchId) throws IOException {
    Path tenants = s3.resolve(BUCKET).resolve("tenants");
    if (!Files.isDirectory(tenants)) {
      return;
    }
    try (Stream<Path> each = Files.list(tenants)) {
      each.map(t -> t.resolve("batches").resolve(batchId))
          .filter(Files::isDirectory)
          .toList()
          .forEach(PayloadBenchmark::deleteTree);
    }
  }

  private record Timed(String batchId, double seconds) {}

  private static byte[][] storedObjects(LocalPipeline pipeline, ObjectStore store, String batchId) {
    var jdbc = pipeline.api().getBean(org.springframework.jdbc.core.simple.JdbcClient.class);
    List<String> keys =
        jdbc.sql(
                "SELECT image_key, sidecar_key FROM items WHERE image_key IS NOT NULL AND"
                    + " batch_id = ?::uuid LIMIT 1")
            .param(batchId)
            .query((rs, i) -> List.of(rs.getString(1), rs.getString(2)))
            .single();
    return new byte[][] {
      store.get(keys.get(0)).orElseThrow(), store.get(keys.get(1)).orElseThrow()
    };
  }

  /**
   * PUTs of the image and sidecar the pipeline wrote, through the worker's own path (the spool's
   * streamed PUT: from memory or from a file, multipart above 16 MB) and the same S3 client. With
   * {@code fetch}, each item first reads the simulator's whole answer through the JDK HttpClient
   * and drops it: the bytes' own cost on these cores (the provider sending, the client receiving,
   * the PUT) without the parse, decode, hashes, ledger and Kafka that the pipeline adds.
   */
  private static double rawPutRate(
      ObjectStore store, byte[] image, byte[] sidecar, int items, int threads, HttpRequest fetch)
      throws Exception {
    Path spoolDir = Files.createTempDirectory("bench-raw-spool-");
    // as the worker's spool: no hash of its own where the PUT computes one (a bare PUT hashes once)
    ResultSpool spool =
        new ResultSpool(
            new ResultProperties(null, spoolDir, null, null, null, null),
            store.payloadSha256UpTo());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long start = System.nanoTime();
      List<Future<?>> puts = new ArrayList<>();
      for (int i = 0; i < items; i++) {
        String base = RAW_PREFIX + "/" + image.length + "/" + i; // deleted after each run
        puts.add(
            pool.submit(
                () -> {
                  if (fetch != null) {
                    int status =
                        Fetcher.CLIENT
                            .send(fetch, HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    if (status != 200) {
                      throw new IllegalStateException("the simulator answered " + status);
                    }
                  }
                  ResultSpool.Held held = spool.hold(image);
                  try {
                    held.putTo(store, base + ".png", "image/png");
                  } finally {
                    held.release();
                  }
                  store.put(base + ".json", sidecar, "application/json");
                  return null; // a Callable: the fetch may throw
                }));
      }
      for (Future<?> f : puts) {
        f.get();
      }
      return items / ((System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdown();
      deleteTree(spoolDir);
    }
  }

  private static Timed timeBatch(ApiClient api, String name, int n, String size)
      throws InterruptedException {
    long start = System.nanoTime();
    ApiClient.Answer accepted = api.submit(BenchCatalog.listingOnly(name, n, "fast", size));
    if (accepted.status() != 202) {
      throw new IllegalStateException("submission refused: " + accepted.body());
    }
    String id = accepted.body().path("id").asString();
    JsonNode batch = Benchmarks.awaitCompleted(api, id);
    int ok = batch.path("counts").path("SUCCEEDED").asInt();
    if (ok != n) {
      System.out.println("  warning: " + ok + " of " + n + " succeeded: " + batch.path("counts"));
    }
    return new Timed(id, (System.nanoTime() - start) / 1e9);
  }

  // ---------------------------------------------------------------- worker process parts

  private String inFlight() throws Exception {
    System.out.printf(
        "%nIn flight: %d items, latency %s, 1K real-size PNGs, one worker process -Xmx512m%n",
        inFlightItems, inFlightLatency);
    Measured m =
        withWorkerProcess(
            "inflight",
            SimulatorConfig.defaults()
                .withoutPeak()
                .withFixedLatency(inFlightLatency)
                .withRealisticImages(),
            inFlightItems,
            "1K");
    return String.format(
        "| in flight | 1K | %d items, %s latency | peak in flight %.0f | heap peak %d MB before GC,"
            + " %d MB after%s | GC pauses %d, %.0f ms | %d of %d stored, %.1f s |",
        inFlightItems,
        inFlightLatency.toSeconds() + " s",
        m.peakInFlight(),
        m.gc().peakMb(),
        m.gc().peakLiveMb(),
        m.liveSetNote(),
        m.gc().pauses(),
        m.gc().pauseMs(),
        m.succeeded(),
        inFlightItems,
        m.seconds());
  }

  private String burst() throws Exception {
    // every call is started within about a second, then all answer together after the latency
    Duration latency = Duration.ofSeconds(15);
    System.out.printf(
        "%nBurst: %d 4K real-size answers after %s, one worker process -Xmx512m%n",
        burstItems, latency);
    Measured m =
        withWorkerProcess(
            "burst",
            SimulatorConfig.defaults()
                .withoutPeak()
                .withFixedLatency(latency)
                .withRealisticImages(),
            burstItems,
            "4K");
    return String.format(
        "| burst | 4K | %d answers | peak in flight %.0f | heap peak %d MB before GC, %d MB"
            + " after%s | GC pauses %d, %.0f ms | %d of %d stored, %.1f s, OOM: %s |",
        burstItems,
        m.peakInFlight(),
        m.gc().peakMb(),
        m.gc().peakLiveMb(),
        m.liveSetNote(),
        m.gc().pauses(),
        m.gc().pauseMs(),
        m.succeeded(),
        burstItems,
        m.seconds(),
        m.outOfMemory() ? "YES" : "no");
  }

  private record Measured(
      double peakInFlight,
      double sampledHeapMb,
      GcLog gc,
      int succeeded,
      double seconds,
      boolean outOfMemory,
      long liveSetMb) {

    /** ", live set peak N MB" when it was sampled. */
    String liveSetNote() {
      return liveSetMb < 0 ? "" : ", live set peak " + liveSetMb + " MB (full GC every 2 s)";
    }
  }

  private Measured withWorkerProcess(String part, SimulatorConfig sim, int items, String size)
      throws Exception {
    int workerPort;
    try (ServerSocket s = new ServerSocket(0)) {
      workerPort = s.getLocalPort();
    }
    Path s3 = Files.createTempDirectory("bench-payload-s3-");
    Path gcLog = Path.of("target", "bench-payloads-" + part + "-gc.log").toAbsolutePath();
    Path log = Path.of("target", "bench-payloads-" + part + "-worker.log").toAbsolutePath();
    Files.deleteIfExists(gcLog);
    Files.deleteIfExists(log);
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withWorkers(0)
                .withS3Directory(s3)
                .withSimulator(sim)
                .withProperty("pipeline.dispatch.batch-size", 1000)
                .withProperty("pipeline.dispatch.max-outstanding-per-lane", 20000),
            step -> System.out.println("  " + step + "..."))) {
      // the simulator encodes each size once: do it before the clock starts
      warmSimulator(pipeline, size);
      try (WorkerProcess worker =
          WorkerProcess.start(
              pipeline,
              List.of(
                  "-Xmx512m",
                  "-XX:+HeapDumpOnOutOfMemoryError",
                  "-XX:HeapDumpPath=target",
                  "-Xlog:gc:file=" + gcLog),
              Map.of(
                  "server.port",
                  workerPort,
                  "pipeline.worker.max-in-flight",
                  items,
                  "spring.kafka.consumer.max-poll-records",
                  1000,
                  "pipeline.worker.id",
                  "bench-" + part),
              log)) {
        WorkerActuator actuator = new WorkerActuator(workerPort, pipeline.adminToken());
        actuator.awaitUp(Duration.ofSeconds(600), worker::isAlive, log);
        LiveSet live = new LiveSet(worker.pid(), 2000);
        boolean sampling = sampleLiveSet && live.start();
        ApiClient api = pipeline.client();
        long start = System.nanoTime();
        String id =
            api.submit(BenchCatalog.listingOnly(part, items, "fast", size))
                .body()
                .path("id")
                .asString();
        double peakInFlight = 0;
        double peakHeapMb = 0;
        double peakPendingMb = 0;
        JsonNode batch;
        while (true) {
          peakInFlight = Math.max(peakInFlight, actuator.metric("pipeline.worker.in_flight", ""));
          peakHeapMb =
              Math.max(
                  peakHeapMb, actuator.metric("jvm.memory.used", "?tag=area:heap") / (1024 * 1024));
          peakPendingMb =
              Math.max(
                  peakPendingMb,
                  actuator.metric("pipeline.results.pending_bytes", "") / (1024 * 1024));
          batch = api.get("/v1/batches/" + id).body();
          if ("COMPLETED".equals(batch.path("state").asString()) || !worker.isAlive()) {
            break;
          }
          Thread.sleep(100);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        live.close();
        boolean oom = Files.readString(log).contains("OutOfMemoryError");
        int ok = batch.path("counts").path("SUCCEEDED").asInt();
        GcLog gc = GcLog.read(gcLog);
        System.out.printf(
            "  %d of %d stored in %.1f s; peak in flight %.0f; pending images peak %.0f MB%n",
            ok, items, seconds, peakInFlight, peakPendingMb);
        System.out.printf(
            "  worker heap peak %d MB before a collection, %d MB after one (GC log; limit 512 MB),"
                + " sampled %.0f MB; %d GC pauses (%d full), %.0f ms in all; OutOfMemoryError:"
                + " %s%n",
            gc.peakMb(),
            gc.peakLiveMb(),
            peakHeapMb,
            gc.pauses(),
            gc.fullPauses(),
            gc.pauseMs(),
            oom ? "YES" : "no");
        if (sampling) {
          System.out.printf(
              "  worker live set peak %d MB (jcmd GC.class_histogram every 2 s)%n", live.peakMb());
        }
        return new Measured(
            peakInFlight, peakHeapMb, gc, ok, seconds, oom, sampling ? live.peakMb() : -1);
      }
    } finally {
      deleteTree(s3);
    }
  }

  /** One image of {@code size} asked of the simulator, as the worker asks it. */
  private static HttpRequest generateRequest(LocalPipeline pipeline, String size, String prompt) {
    String body =
        "{\"contents\":[{\"parts\":[{\"text\":\""
            + prompt
            + "\"}]}],\"generationConfig\":{\"responseModalities\":[\"IMAGE\"],"
            + "\"imageConfig\":{\"aspectRatio\":\"1:1\",\"imageSize\":\""
            + size
            + "\"}}}";
    return HttpRequest.newBuilder(
            pipeline
                .simulator()
                .baseUri()
                .resolve("/v1beta/models/gemini-3.1-flash-image:generateContent"))
        .header("x-goog-api-key", "sim-key")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /**
   * Built on first use, once a pipeline runs: the JDK reads {@code jdk.httpclient.bufsize} when its
   * first client is built, and the worker sets it as it starts (HttpReadBuffer); a client built
   * earlier left every client of this JVM, the worker's too, on 16 KB reads.
   */
  private static final class Fetcher {
    static final HttpClient CLIENT = HttpClient.newHttpClient();
  }

  private static void warmSimulator(LocalPipeline pipeline, String size) throws Exception {
    SimulatorConfig real = pipeline.simulator().config();
    pipeline.simulator().reconfigure(real.withTimeScale(0));
    try {
      HttpResponse<Void> r =
          Fetcher.CLIENT.send(
              generateRequest(pipeline, size, "warm-up"), HttpResponse.BodyHandlers.discarding());
      System.out.println("  simulator warmed up for " + size + " (HTTP " + r.statusCode() + ")");
    } finally {
      pipeline.simulator().reconfigure(real);
      pipeline.simulator().resetState();
    }
  }

  /** Heap used before each collection (its peak) and pause time, from {@code -Xlog:gc}. */
  record GcLog(long peakMb, long peakLiveMb, int pauses, double pauseMs, int fullPauses) {
    static GcLog read(Path file) throws IOException {
      long peak = 0;
      long live = 0;
      int full = 0;
      int pauses = 0;
      double ms = 0;
      if (!Files.exists(file)) {
        return new GcLog(0, 0, 0, 0, 0);
      }
      for (String line : Files.readAllLines(file)) {
        Matcher m = GC_PAUSE.matcher(line);
        if (m.find()) {
          peak = Math.max(peak, Long.parseLong(m.group(1)));
          live = Math.max(live, Long.parseLong(m.group(2)));
          full += line.contains("Pause Full") ? 1 : 0;
          pauses++;
          ms += Double.parseDouble(m.group(4));
        }
      }
      return new GcLog(peak, live, pauses, ms, full);
    }
  }

  /** Deletes what it can: files that vanish meanwhile (S3Proxy's temporary ones) are skipped. */
  private static void deleteTree(Path dir) {
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              file.toFile().delete();
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              return FileVisitResult.CONTINUE; // gone since it was listed
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) {
              d.toFile().delete();
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      System.out.println("  could not delete " + dir + ": " + e);
    }
  }
}
