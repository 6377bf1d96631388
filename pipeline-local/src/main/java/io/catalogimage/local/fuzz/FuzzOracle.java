package io.catalogimage.local.fuzz;

import io.catalogimage.common.json.Json;
import io.catalogimage.infra.RawHttp;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * Sends one {@link FuzzRequest} and judges the answer against the rules every answer must keep:
 * never a 5xx; a 4xx is a problem and stores nothing; a request carrying what cannot be stored is
 * refused; a 2xx batch is whole (its products and items all there) and holds exactly the text sent.
 * Requests are sent one at a time, so "stores nothing" is a count of batches before and after.
 */
public final class FuzzOracle implements AutoCloseable {

  /** What happened: the status and every rule broken (none when all is well). */
  public record Verdict(int status, List<String> broken) {
    public boolean ok() {
      return broken.isEmpty();
    }
  }

  private final RawHttp http;
  private final Connection db;

  public FuzzOracle(int port, String jdbcUrl, String user, String password) throws SQLException {
    this.http = new RawHttp(port);
    this.db = DriverManager.getConnection(jdbcUrl, user, password);
  }

  public Verdict judge(FuzzRequest request) throws SQLException {
    long before = batches();
    RawHttp.Response r =
        http.send(request.method(), request.target(), request.headers(), request.body());
    List<String> broken = new ArrayList<>();
    int status = r.status();
    if (status >= 500) {
      broken.add("server error " + status + ": " + r.text());
    }
    if (status >= 400 && !r.isProblem()) {
      broken.add("a " + status + " that is not a problem: " + r.header("content-type"));
    }
    if (status >= 200 && status < 300 && request.mustRefuse()) {
      broken.add("accepted (" + status + ") what must be refused");
    }
    if (Boolean.TRUE.equals(request.authorized()) && status != 200) {
      broken.add("a good key was not let in: " + status + " " + r.text());
    }
    long after = batches();
    if (status >= 400 && after != before) {
      broken.add("refused with " + status + " but stored " + (after - before) + " batch(es)");
    }
    if (status == 202
        && request.method().equals("POST")
        && request.target().startsWith("/v1/batches")) {
      JsonNode answer = Json.mapper().readTree(r.text());
      String batch = answer.path("id").asString();
      partialBatch(batch).ifPresent(broken::add);
      if (request.expected() != null && !"true".equals(r.header("Idempotent-Replayed"))) {
        altered(batch, request.expected()).ifPresent(broken::add);
      }
      if (request.expectedName() != null) {
        String name = one("SELECT name FROM batches WHERE batch_id = ?", batch);
        if (!request.expectedName().equals(name)) {
          broken.add(
              "batch name stored altered: sent "
                  + esc(request.expectedName())
                  + ", stored "
                  + esc(name));
        }
      }
    }
    return new Verdict(status, List.copyOf(broken));
  }

  /** Batches whose products or items are not all there (a 202 must mean the whole batch). */
  public long partialBatches() throws SQLException {
    try (PreparedStatement st =
            db.prepareStatement(
                """
                SELECT count(*) FROM batches b
                 WHERE b.product_count <> (SELECT count(*) FROM products p WHERE p.batch_id = b.batch_id)
                    OR (NOT b.items_pending
                        AND b.item_count <> (SELECT count(*) FROM items i WHERE i.batch_id = b.batch_id))
                """);
        ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private java.util.Optional<String> partialBatch(String batch) throws SQLException {
    try (PreparedStatement st =
        db.prepareStatement(
            """
            SELECT b.product_count, (SELECT count(*) FROM products p WHERE p.batch_id = b.batch_id),
                   b.item_count, (SELECT count(*) FROM items i WHERE i.batch_id = b.batch_id),
                   b.items_pending
              FROM batches b WHERE b.batch_id = ?
            """)) {
      st.setObject(1, UUID.fromString(batch));
      try (ResultSet rs = st.executeQuery()) {
        if (!rs.next()) {
          return java.util.Optional.of("202 for batch " + batch + " that is not stored");
        }
        if (rs.getLong(1) != rs.getLong(2)
            || (!rs.getBoolean(5) && rs.getLong(3) != rs.getLong(4))) {
          return java.util.Optional.of(
              "partial batch "
                  + batch
                  + ": products "
                  + rs.getLong(2)
                  + "/"
                  + rs.getLong(1)
                  + ", items "
                  + rs.getLong(4)
                  + "/"
                  + rs.getLong(3));
        }
      }
    }
    return java.util.Optional.empty();
  }

  private java.util.Optional<String> altered(String batch, List<FuzzRequest.Product> sent)
      throws SQLException {
    List<FuzzRequest.Product> stored = new ArrayList<>();
    try (PreparedStatement st =
        db.prepareStatement(
            "SELECT sku, data->>'title', data->>'description' FROM products WHERE batch_id = ? ORDER BY product_no")) {
      st.setObject(1, UUID.fromString(batch));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          stored.add(new FuzzRequest.Product(rs.getString(1), rs.getString(2), rs.getString(3)));
        }
      }
    }
    if (!Objects.equals(stored, sent)) {
      return java.util.Optional.of(
          "stored text differs from what was sent: sent "
              + esc(sent.toString())
              + ", stored "
              + esc(stored.toString()));
    }
    return java.util.Optional.empty();
  }

  private static String esc(String s) {
    StringBuilder out = new StringBuilder();
    s.codePoints()
        .forEach(
            c ->
                out.append(
                    c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0xd800 && c < 0xe000)
                        ? String.format("\\u%04x", c)
                        : Character.toString(c)));
    return out.toString();
  }

  private String one(String sql, String batch) throws SQLException {
    try (PreparedStatement st = db.prepareStatement(sql)) {
      st.setObject(1, UUID.fromString(batch));
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private long batches() throws SQLException {
    try (PreparedStatement st = db.prepareStatement("SELECT count(*) FROM batches");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() throws SQLException {
    db.close();
  }
}
