package io.catalogimage.local.bench;

import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.local.ApiClient;
import io.catalogimage.local.LocalPipeline;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.SignatureMode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Issue 18: what one image version costs in storage. A batch at 1K and 2K on a simulator that
 * returns real-size images and signs its answers (strict mode, so the replayed conversations are
 * checked), then {@code --edits} edits of every item; per version, the bytes of its {@code
 * item_turns} row as PostgreSQL stores it ({@code pg_column_size} of the row, TOAST compressed),
 * the table's share per row (heap, TOAST and index pages), and its objects (image and sidecar).
 */
final class EditStorageBenchmark {

  private final int products;
  private final int edits;

  EditStorageBenchmark(int products, int edits) {
    this.products = products;
    this.edits = edits;
  }

  void run() throws Exception {
    System.out.printf(
        "Edit storage benchmark: %d products x (1:1 1K, 1:1 2K), %d edits each, real-size images,"
            + " strict signatures%n",
        products, edits);
    System.out.println("Machine: " + Machine.describe());
    SimulatorConfig sim =
        SimulatorConfig.defaults()
            .withoutPeak()
            .withTimeScale(0)
            .withRealisticImages()
            .withSignatures(SignatureMode.STRICT);
    try (LocalPipeline pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults().withSimulator(sim),
            step -> System.out.println("  " + step + "..."))) {
      ApiClient api = pipeline.client();
      ApiClient.Answer accepted = api.submit(catalog());
      if (accepted.status() != 202) {
        throw new IllegalStateException("submission refused: " + accepted.body());
      }
      String batch = accepted.body().path("id").asString();
      awaitCompleted(api, batch);
      String[] instructions = {
        "Make the background a warm light grey", "Add a soft shadow under the product",
        "Turn the product a little to the left", "Brighten the colours slightly"
      };
      for (int e = 0; e < edits; e++) {
        ApiClient.Answer queued =
            api.post(
                "/v1/batches/" + batch + "/edits",
                "{\"instruction\": \""
                    + instructions[e % instructions.length]
                    + "\", \"filter\": {}}");
        if (queued.status() != 202) {
          throw new IllegalStateException("bulk edit refused: " + queued.body());
        }
        awaitCompleted(api, batch);
      }
      JdbcClient jdbc = pipeline.api().getBean(JdbcClient.class);
      jdbc.sql("VACUUM ANALYZE item_turns").update();
      ObjectStore store = pipeline.api().getBean(ObjectStore.class);
      System.out.println();
      System.out.println(
          "| size | versions | edits ok | item_turns row (pg_column_size) avg / max |"
              + " image avg | sidecar avg |");
      for (String size : List.of("1K", "2K")) {
        report(jdbc, store, batch, size);
      }
      long rows = jdbc.sql("SELECT count(*) FROM item_turns").query(Long.class).single();
      long table =
          jdbc.sql("SELECT pg_total_relation_size('item_turns')").query(Long.class).single();
      System.out.printf(
          "item_turns: %d rows, %d bytes in all (heap, TOAST, indexes): %d bytes per row%n",
          rows, table, table / Math.max(1, rows));
      Map<String, Object> edit =
          jdbc.sql(
                  "SELECT count(*) AS n, avg(pg_column_size(e.*))::int AS avg FROM item_edits e"
                      + " WHERE batch_id = CAST(:b AS uuid)")
              .param("b", batch)
              .query()
              .singleRow();
      System.out.printf("item_edits: %s rows, %s bytes per row%n", edit.get("n"), edit.get("avg"));
      // what of a row is signatures (Google's own may be longer than the simulator's), and how
      // many rows keep an extra image inline (3.1 Flash's occasional 1K default before the size)
      Map<String, Object> parts =
          jdbc.sql(
                  """
                  SELECT avg(sig)::int AS signature_chars, max(sig) AS max_signature_chars,
                         count(*) FILTER (WHERE inline > 0) AS rows_with_inline_image
                    FROM (SELECT sum(coalesce(length(p ->> 'thoughtSignature'), 0)) AS sig,
                                 count(*) FILTER (WHERE p -> 'data' IS NOT NULL) AS inline
                            FROM item_turns t, jsonb_array_elements(t.model_parts) p
                           GROUP BY t.item_id, t.attempt_no) x
                  """)
              .query()
              .singleRow();
      System.out.printf(
          "signatures per row: %s characters on average (max %s); rows with an inline image: %s%n",
          parts.get("signature_chars"),
          parts.get("max_signature_chars"),
          parts.get("rows_with_inline_image"));
    }
  }

  private void report(JdbcClient jdbc, ObjectStore store, String batch, String size) {
    List<Map<String, Object>> turns =
        jdbc.sql(
                """
                SELECT t.image_key, t.sidecar_key, pg_column_size(t.*) AS row_bytes
                  FROM item_turns t JOIN items i ON i.item_id = t.item_id
                 WHERE i.batch_id = CAST(:b AS uuid) AND i.variant = :v
                """)
            .param("b", batch)
            .param("v", "listing-" + size)
            .query()
            .listOfRows();
    long rowSum = 0;
    long rowMax = 0;
    long imageSum = 0;
    long sidecarSum = 0;
    for (Map<String, Object> t : turns) {
      long row = ((Number) t.get("row_bytes")).longValue();
      rowSum += row;
      rowMax = Math.max(rowMax, row);
      imageSum += store.get((String) t.get("image_key")).map(b -> b.length).orElse(0);
      sidecarSum += store.get((String) t.get("sidecar_key")).map(b -> b.length).orElse(0);
    }
    long editsOk =
        jdbc.sql(
                "SELECT count(*) FROM item_edits e JOIN items i ON i.item_id = e.item_id"
                    + " WHERE e.batch_id = CAST(:b AS uuid) AND i.variant = :v"
                    + " AND e.state = 'SUCCEEDED'")
            .param("b", batch)
            .param("v", "listing-" + size)
            .query(Long.class)
            .single();
    int n = Math.max(1, turns.size());
    System.out.printf(
        "| %s | %d | %d | %,d / %,d B | %,.2f MB | %,d B |%n",
        size, turns.size(), editsOk, rowSum / n, rowMax, imageSum / n / 1e6, sidecarSum / n);
  }

  private static void awaitCompleted(ApiClient api, String batch) throws InterruptedException {
    long until = System.nanoTime() + 600_000_000_000L;
    while (!"COMPLETED".equals(api.get("/v1/batches/" + batch).body().path("state").asString())) {
      if (System.nanoTime() > until) {
        throw new IllegalStateException("batch " + batch + " not completed in 10 minutes");
      }
      Thread.sleep(200);
    }
  }

  private byte[] catalog() {
    StringJoiner items = new StringJoiner(",\n");
    String[] kinds = {"desk organiser", "running shoe", "ceramic mug", "linen shirt", "oak stool"};
    for (int i = 0; i < products; i++) {
      items.add(
          "{\"sku\": \"E-%d\", \"title\": \"Acme %s %d\"}"
              .formatted(i, kinds[i % kinds.length], i));
    }
    return ("{\"name\": \"edit storage\", \"tier\": \"fast\","
            + " \"variants\": [{\"name\": \"listing-1K\", \"aspectRatio\": \"1:1\", \"size\":"
            + " \"1K\"}, {\"name\": \"listing-2K\", \"aspectRatio\": \"1:1\", \"size\": \"2K\"}],"
            + " \"altTextLocales\": [\"en\", \"de\"],"
            + " \"promptTemplate\": \"Studio product photo of {{title}}, white background\","
            + " \"items\": ["
            + items
            + "]}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
