package io.catalogimage.local.bench;

import io.catalogimage.local.LocalPipeline;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issue 5, benchmark 2: status queries with 1,000,000 items in the database (100 batches of 10,000,
 * states mixed as in a running catalog) under concurrent load: p50/p99 of the batch summary and of
 * an item listing page (with a state filter and a cursor), over HTTP with an API key.
 */
final class StatusQueryBenchmark {

  private static final String[] STATES = {"SUCCEEDED", "QUEUED", "FAILED", "RUNNING"};

  private final int batches;
  private final int itemsPerBatch;
  private final int threads;
  private final Duration duration;
  private final int rate;

  /**
   * @param rate requests per second in all, sent on a fixed schedule whatever the answers' pace
   *     (latency counted from the scheduled moment, so a stall is not hidden); 0: every client
   *     sends its next request as soon as it has the last answer (as fast as the machine goes)
   */
  StatusQueryBenchmark(int batches, int itemsPerBatch, int threads, Duration duration, int rate) {
    this.rate = rate;
    this.batches = batches;
    this.itemsPerBatch = itemsPerBatch;
    this.threads = threads;
    this.duration = duration;
  }

  void run() throws Exception {
    System.out.printf(
        "Status queries: %,d items in %d batches, %d concurrent clients for %s, %s%n",
        (long) batches * itemsPerBatch,
        batches,
        threads,
        duration,
        rate == 0 ? "each as fast as it can" : rate + " requests/s in all on a fixed schedule");
    System.out.println("Machine: " + Machine.describe());
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults().withWorkers(0),
            step -> System.out.println("  " + step + "..."))) {
      JdbcClient jdbc = pipeline.api().getBean(JdbcClient.class);
      long t0 = System.nanoTime();
      List<String> ids = fill(jdbc, pipeline.api().getBean(TransactionTemplate.class));
      System.out.printf("  filled in %.0f s%n", (System.nanoTime() - t0) / 1e9);
      HttpClient http = HttpClient.newHttpClient();
      String auth = "Bearer " + pipeline.apiKey();
      // warm-up: the first seconds of a fresh JVM queue every request behind the JIT, and with
      // 10 s the compiler was still at work in some measured runs (p99 doubled); a serving api
      // is warm
      measure(http, auth, pipeline, ids, Duration.ofSeconds(30));
      List<List<Long>> result = measure(http, auth, pipeline, ids, duration);
      report("batch summary  GET /v1/batches/{id}", result.get(0));
      report("item listing   GET /v1/batches/{id}/items?state=&cursor=", result.get(1));
    }
  }

  /**
   * Batches and items straight into the database (the api would take minutes to accept 1M), each
   * batch in one transaction: the api's FinishBatches would otherwise see a batch without items
   * yet, finish it, and write its 10,000-line manifest while the queries are measured.
   */
  private List<String> fill(JdbcClient jdbc, TransactionTemplate tx) {
    List<String> ids = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      ids.add(tx.execute(s -> fillBatch(jdbc)));
    }
    // a database that has been running: tables vacuumed, dirty pages written (otherwise
    // autovacuum and the checkpointer start on the fresh million rows during the measurement)
    jdbc.sql("VACUUM (ANALYZE)").update();
    jdbc.sql("CHECKPOINT").update();
    return ids;
  }

  private String fillBatch(JdbcClient jdbc) {
    String id =
        jdbc.sql(
                """
                  INSERT INTO batches (batch_id, tenant_id, name, tier, lane, spec, product_count,
                                       item_count, state)
                  VALUES (gen_random_uuid(), '00000000-0000-0000-0000-000000000001', 'bench',
                          'fast', 'bulk',
                          '{"variants":[{"name":"listing","aspectRatio":"1:1","size":"1K"}],
                            "altTextLocales":["en"],"promptTemplate":"{{title}}","styleGuide":null}',
                          :n, :n, 'RUNNING')
                  RETURNING CAST(batch_id AS text)
                  """)
            .param("n", itemsPerBatch)
            .query(String.class)
            .single();
    jdbc.sql(
            """
              INSERT INTO products (batch_id, product_no, tenant_id, sku, data)
              SELECT CAST(:b AS uuid), g, '00000000-0000-0000-0000-000000000001', 'SKU-' || g,
                     '{"title":"Product","prompt":"Product"}'
                FROM generate_series(0, :n - 1) g
              """)
        .param("b", id)
        .param("n", itemsPerBatch)
        .update();
    jdbc.sql(
            """
              INSERT INTO items (item_id, tenant_id, batch_id, product_no, item_no, sku, variant,
                                 state, lane, not_before, attempts, cost_usd, model_served)
              SELECT gen_random_uuid(), '00000000-0000-0000-0000-000000000001', CAST(:b AS uuid),
                     g, g, 'SKU-' || g, 'listing',
                     CASE WHEN g % 10 < 6 THEN 'SUCCEEDED' WHEN g % 10 < 8 THEN 'QUEUED'
                          WHEN g % 10 < 9 THEN 'RUNNING' ELSE 'FAILED' END,
                     'bulk', now(), 1, 0.067, 'gemini-3.1-flash-image'
                FROM generate_series(0, :n - 1) g
              """)
        .param("b", id)
        .param("n", itemsPerBatch)
        .update();
    // the ledger: one call per started item, as a running catalog has
    jdbc.sql(
            """
              INSERT INTO attempts (item_id, attempt_no, tenant_id, batch_id, worker_id, endpoint,
                                    model_requested, model_served, outcome, started_at,
                                    finished_at, cost_usd)
              SELECT item_id, 1, tenant_id, batch_id, 'bench', 'google', 'gemini-3.1-flash-image',
                     'gemini-3.1-flash-image',
                     CASE state WHEN 'RUNNING' THEN 'IN_FLIGHT' WHEN 'FAILED' THEN 'SERVER_ERROR'
                                ELSE state END,
                     now(), now(), cost_usd
                FROM items WHERE batch_id = CAST(:b AS uuid) AND state <> 'QUEUED'
              """)
        .param("b", id)
        .update();
    return id;
  }

  private List<List<Long>> measure(
      HttpClient http, String auth, LocalPipeline pipeline, List<String> ids, Duration d)
      throws Exception {
    List<Long> summary = Collections.synchronizedList(new ArrayList<>());
    List<Long> listing = Collections.synchronizedList(new ArrayList<>());
    long start = System.nanoTime();
    long end = start + d.toNanos();
    AtomicLong next = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      all.add(
          pool.submit(
              () -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while (System.nanoTime() < end) {
                  long t0 = System.nanoTime();
                  if (rate > 0) {
                    // the k-th request of the schedule, however late the previous answers were
                    long due = start + next.getAndIncrement() * 1_000_000_000L / rate;
                    if (due >= end) {
                      break;
                    }
                    LockSupport.parkNanos(due - System.nanoTime());
                    t0 = due;
                  }
                  String id = ids.get(r.nextInt(ids.size()));
                  boolean list = r.nextBoolean();
                  String path =
                      list
                          ? "/v1/batches/"
                              + id
                              + "/items?limit=50&state="
                              + STATES[r.nextInt(STATES.length)]
                              + (r.nextBoolean() ? "" : "&cursor=" + cursor(r))
                          : "/v1/batches/" + id;
                  HttpResponse<Void> resp =
                      http.send(
                          HttpRequest.newBuilder(URI.create(pipeline.apiUri() + path))
                              .header("Authorization", auth)
                              .build(),
                          HttpResponse.BodyHandlers.discarding());
                  long micros = (System.nanoTime() - t0) / 1000;
                  if (resp.statusCode() != 200) {
                    throw new IllegalStateException(path + " answered " + resp.statusCode());
                  }
                  (list ? listing : summary).add(micros);
                }
                return null;
              }));
    }
    for (Future<?> f : all) {
      f.get();
    }
    pool.shutdown();
    return List.of(summary, listing);
  }

  /** A cursor somewhere in the batch, as a client paging through it would hold. */
  private String cursor(ThreadLocalRandom r) {
    return io.catalogimage.local.bench.StatusQueryBenchmark.CursorCodec.encode(
        r.nextInt(itemsPerBatch));
  }

  private static void report(String what, List<Long> micros) {
    List<Long> sorted = new ArrayList<>(micros);
    Collections.sort(sorted);
    double p50 = sorted.get(sorted.size() / 2) / 1000.0;
    double p99 = sorted.get((int) (sorted.size() * 0.99)) / 1000.0;
    System.out.printf(
        "  %s: %,d requests, p50 %.1f ms, p99 %.1f ms%n", what, sorted.size(), p50, p99);
    System.out.printf(
        "| %s | %s | %,d | %.1f ms | %.1f ms |%n",
        Machine.describe(), what, sorted.size(), p50, p99);
  }

  /** The api's cursor format (an item number), as a client would get it from nextCursor. */
  static final class CursorCodec {
    static String encode(int itemNo) {
      return java.util.Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(("after:" + itemNo).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }
}
