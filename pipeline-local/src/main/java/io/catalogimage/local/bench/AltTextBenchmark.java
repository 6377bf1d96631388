package io.catalogimage.local.bench;

import io.catalogimage.local.ApiClient;
import io.catalogimage.local.LocalPipeline;
import io.catalogimage.simulator.SimulatorConfig;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.StringJoiner;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Issue 19: alt text in four locales (en, de, fr, ja) on a simulator whose text answers are wrong
 * at {@code --bad-rate} (the image model's and the caption model's alike, in the five ways of
 * TextFaults), beside the same batch with no wrong text: the share of items whose every locale
 * passes every check, what captioning adds to the cost of an item, and the effect on throughput.
 */
final class AltTextBenchmark {

  private final int items;
  private final double badRate;
  private final double timeScale;

  AltTextBenchmark(int items, double badRate, double timeScale) {
    this.items = items;
    this.badRate = badRate;
    this.timeScale = timeScale;
  }

  private record Result(
      double seconds,
      int succeeded,
      int allPass,
      BigDecimal imageCost,
      BigDecimal captionCost,
      Map<String, Long> captionOutcomes) {}

  void run() throws Exception {
    System.out.printf(
        "Alt-text benchmark: %d items x 4 locales (en, de, fr, ja), wrong text at %.0f%%,"
            + " simulator time scale %s%n",
        items, badRate * 100, timeScale);
    System.out.println("Machine: " + Machine.describe());
    SimulatorConfig sim = SimulatorConfig.defaults().withoutPeak().withTimeScale(timeScale);
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(sim)
                .withProperty("pipeline.worker.max-in-flight", 256),
            step -> System.out.println("  " + step + "..."))) {
      // warm-up: the JIT, and the language models of the four locales loaded once
      run(pipeline, "warm-up", Math.min(100, items));
      Result clean = run(pipeline, "clean", items);
      pipeline
          .simulator()
          .reconfigure(
              pipeline.simulator().config().withGemini(sim.gemini().withAltTextFaultRate(badRate)));
      Result bad = run(pipeline, "bad", items);
      print("no wrong text", clean);
      print(Math.round(badRate * 100) + "% wrong text", bad);
      System.out.printf(
          "%n| %s | %d | %.0f%% | %.1f%% | %.1f%% | %s | %s | %.1f / %.1f items/s |%n",
          Machine.describe(),
          items,
          badRate * 100,
          100.0 * clean.allPass() / items,
          100.0 * bad.allPass() / items,
          perItem(bad.captionCost()),
          perItem(bad.imageCost()),
          items / clean.seconds(),
          items / bad.seconds());
    }
  }

  private String perItem(BigDecimal total) {
    return "$" + total.divide(BigDecimal.valueOf(items), 5, RoundingMode.HALF_UP).toPlainString();
  }

  private void print(String label, Result r) {
    System.out.printf(
        "  %s: %d/%d succeeded, every locale passes every check on %d (%.1f%%); %.1f s = %.1f"
            + " items/s; image cost %s/item, captioning %s/item; caption calls %s%n",
        label,
        r.succeeded(),
        items,
        r.allPass(),
        100.0 * r.allPass() / items,
        r.seconds(),
        items / r.seconds(),
        perItem(r.imageCost()),
        perItem(r.captionCost()),
        r.captionOutcomes());
  }

  private Result run(LocalPipeline pipeline, String name, int n) throws InterruptedException {
    ApiClient api = pipeline.client();
    long start = System.nanoTime();
    ApiClient.Answer accepted = api.submit(catalog(name + "-" + System.nanoTime(), n));
    if (accepted.status() != 202) {
      throw new IllegalStateException("submission refused: " + accepted.body());
    }
    String id = accepted.body().path("id").asString();
    JsonNode batch;
    while (true) {
      batch = api.get("/v1/batches/" + id).body();
      if ("COMPLETED".equals(batch.path("state").asString())) {
        break;
      }
      Thread.sleep(200);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    JdbcClient jdbc = pipeline.api().getBean(JdbcClient.class);
    int allPass =
        jdbc.sql(
                """
                SELECT count(*) FROM items i
                 WHERE i.batch_id = CAST(:b AS uuid) AND i.state = 'SUCCEEDED'
                   AND (SELECT count(*) FROM jsonb_each(i.alt_text_checks)) = 4
                   AND NOT EXISTS (SELECT 1 FROM jsonb_each(i.alt_text_checks) l,
                                        jsonb_each_text(l.value->'checks') c
                                    WHERE c.value = 'failed')
                """)
            .param("b", id)
            .query(Integer.class)
            .single();
    // what is still wrong, for the items that do not pass (a handful at most)
    jdbc.sql(
            """
            SELECT i.sku, l.key, l.value->>'source', l.value->'problems' FROM items i,
                   jsonb_each(i.alt_text_checks) l
             WHERE i.batch_id = CAST(:b AS uuid)
               AND EXISTS (SELECT 1 FROM jsonb_each_text(l.value->'checks') c
                            WHERE c.value = 'failed')
             LIMIT 10
            """)
        .param("b", id)
        .query(
            (rs, i) ->
                rs.getString(1)
                    + " "
                    + rs.getString(2)
                    + " ("
                    + rs.getString(3)
                    + "): "
                    + rs.getString(4))
        .list()
        .forEach(line -> System.out.println("    still failing: " + line));
    BigDecimal image = cost(jdbc, id, "image");
    BigDecimal caption = cost(jdbc, id, "caption");
    Map<String, Long> outcomes = new java.util.TreeMap<>();
    jdbc.sql(
            "SELECT outcome, count(*) FROM attempts WHERE batch_id = CAST(:b AS uuid)"
                + " AND purpose = 'caption' GROUP BY outcome")
        .param("b", id)
        .query((rs, i) -> Map.entry(rs.getString(1), rs.getLong(2)))
        .list()
        .forEach(e -> outcomes.put(e.getKey(), e.getValue()));
    return new Result(
        seconds, batch.path("counts").path("SUCCEEDED").asInt(), allPass, image, caption, outcomes);
  }

  private static BigDecimal cost(JdbcClient jdbc, String batch, String purpose) {
    return jdbc.sql(
            "SELECT coalesce(sum(cost_usd), 0) FROM attempts WHERE batch_id = CAST(:b AS uuid)"
                + " AND purpose = :p")
        .param("b", batch)
        .param("p", purpose)
        .query(BigDecimal.class)
        .single();
  }

  private static byte[] catalog(String name, int products) {
    StringJoiner items = new StringJoiner(",\n");
    String[] kinds = {"desk organiser", "running shoe", "ceramic mug", "linen shirt", "oak stool"};
    for (int i = 0; i < products; i++) {
      items.add(
          "{\"sku\": \"A-%d\", \"title\": \"Acme %s %d\", \"attributes\": {\"category\": \"%s\"}}"
              .formatted(i, kinds[i % kinds.length], i, kinds[i % kinds.length]));
    }
    return ("{\"name\": \""
            + name
            + "\", \"tier\": \"fast\","
            + " \"variants\": [{\"name\": \"listing\", \"aspectRatio\": \"1:1\", \"size\": \"1K\"}],"
            + " \"altTextLocales\": [\"en\", \"de\", \"fr\", \"ja\"],"
            + " \"promptTemplate\": \"Studio product photo of {{title}}, white background\","
            + " \"items\": ["
            + items
            + "]}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
