package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** Helpers the end-to-end tests share: submit, wait, read state from the api and the database. */
final class Pipelines {

  private Pipelines() {}

  static String submit(LocalPipeline pipeline, byte[] catalog) {
    ApiClient.Answer answer = pipeline.client().submit(catalog);
    assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(202);
    return answer.body().path("id").asString();
  }

  static JsonNode batch(LocalPipeline pipeline, String batchId) {
    return pipeline.client().get("/v1/batches/" + batchId).body();
  }

  static JsonNode awaitCompleted(LocalPipeline pipeline, String batchId, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> "COMPLETED".equals(batch(pipeline, batchId).path("state").asString()));
    return batch(pipeline, batchId);
  }

  static JdbcClient jdbc(LocalPipeline pipeline) {
    return pipeline.api().getBean(JdbcClient.class);
  }

  /** Item counts by state, straight from the database. */
  static Map<String, Long> states(LocalPipeline pipeline, String batchId) {
    Map<String, Long> counts = new LinkedHashMap<>();
    jdbc(pipeline)
        .sql("SELECT state, count(*) FROM items WHERE batch_id = CAST(:b AS uuid) GROUP BY state")
        .param("b", batchId)
        .query((rs, i) -> Map.entry(rs.getString(1), rs.getLong(2)))
        .list()
        .forEach(e -> counts.put(e.getKey(), e.getValue()));
    return counts;
  }

  static List<String> items(LocalPipeline pipeline, String batchId) {
    return jdbc(pipeline)
        .sql(
            "SELECT CAST(item_id AS text) FROM items WHERE batch_id = CAST(:b AS uuid) ORDER BY item_no")
        .param("b", batchId)
        .query(String.class)
        .list();
  }
}
