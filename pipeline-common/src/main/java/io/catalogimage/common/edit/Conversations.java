package io.catalogimage.common.edit;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The conversations items keep with their model (one {@link Turn} per image an item has had: its
 * versions) and the edits asked of them. Item state changes stay in {@code ItemRepository}; this
 * holds the rows around them.
 */
public class Conversations {

  /**
   * One turn: the user's text and the model's answer as received (non-thought parts, signatures
   * included, the final image as {@code {"imageKey": ...}}).
   *
   * @param parentAttempt the version this one continued, or null for the generation
   * @param turn 0 for the generation, then 1, 2, ... per edit
   * @param modelPartsJson the model turn's parts, as JSON
   * @param conversationKept false for the image of an item made before conversations were kept
   *     (adopted as a version when it is first edited): there is nothing of it to replay, and the
   *     turn that edits it carries its image in the user turn instead
   */
  public record Turn(
      ItemId item,
      int attemptNo,
      TenantId tenant,
      Integer parentAttempt,
      int turn,
      String model,
      String modelServed,
      String requestText,
      int referenceImages,
      String modelPartsJson,
      String imageKey,
      String sidecarKey,
      String altTextJson,
      String caption,
      Instant createdAt,
      boolean conversationKept) {

    /** A turn of a kept conversation, as the worker records it. */
    public Turn(
        ItemId item,
        int attemptNo,
        TenantId tenant,
        Integer parentAttempt,
        int turn,
        String model,
        String modelServed,
        String requestText,
        int referenceImages,
        String modelPartsJson,
        String imageKey,
        String sidecarKey,
        String altTextJson,
        String caption,
        Instant createdAt) {
      this(
          item,
          attemptNo,
          tenant,
          parentAttempt,
          turn,
          model,
          modelServed,
          requestText,
          referenceImages,
          modelPartsJson,
          imageKey,
          sidecarKey,
          altTextJson,
          caption,
          createdAt,
          true);
    }
  }

  /**
   * Where an item stands for an edit: its state, the version it shows (null when its conversation
   * was not kept), and whether its batch was cancelled.
   */
  public record EditableItem(String state, Integer turnAttempt, boolean batchCancelled) {}

  /**
   * An edit asked of an item; {@code state} is PENDING, SUCCEEDED, BLOCKED, FAILED or CAP_REACHED.
   *
   * @param calls the provider calls made for it so far (retries included)
   * @param costUsd what they cost
   */
  public record Edit(
      UUID id,
      ItemId item,
      int turn,
      String instruction,
      String model,
      int baseAttempt,
      String state,
      Integer attemptNo,
      String errorType,
      String errorMessage,
      Instant createdAt,
      Instant finishedAt,
      int calls,
      java.math.BigDecimal costUsd) {}

  private static final String EDITABLE =
      """
      SELECT i.state, i.turn_attempt, b.cancelled_at IS NOT NULL AS cancelled
        FROM items i JOIN batches b ON b.batch_id = i.batch_id
       WHERE i.item_id = :item AND i.batch_id = :batch AND i.tenant_id = :tenant
      """;

  private static final String INSERT_TURN =
      """
      INSERT INTO item_turns (item_id, attempt_no, tenant_id, parent_attempt, turn, model,
                              model_served, request_text, reference_images, model_parts,
                              image_key, sidecar_key, alt_text, caption, created_at)
      VALUES (:item, :attempt, :tenant, :parent, :turn, :model, :served, :request, :refs,
              CAST(:parts AS jsonb), :imageKey, :sidecarKey, CAST(:altText AS jsonb), :caption,
              :createdAt)
      ON CONFLICT (item_id, attempt_no) DO NOTHING
      """;

  private static final String SHOW_TURN =
      "UPDATE items SET turn_attempt = :attempt WHERE item_id = :item";

  private static final String TURN_COLUMNS =
      "t.item_id, t.attempt_no, t.tenant_id, t.parent_attempt, t.turn, t.model, t.model_served,"
          + " t.request_text, t.reference_images, t.model_parts::text AS model_parts, t.image_key,"
          + " t.sidecar_key, t.alt_text::text AS alt_text, t.caption, t.created_at,"
          + " t.conversation_kept";

  /** The conversation that led to a version, first turn first. */
  private static final String CHAIN =
      """
      WITH RECURSIVE chain AS (
        SELECT * FROM item_turns WHERE item_id = :item AND attempt_no = :attempt
        UNION ALL
        SELECT p.* FROM item_turns p JOIN chain c
            ON p.item_id = c.item_id AND p.attempt_no = c.parent_attempt
      )
      SELECT %s FROM chain t ORDER BY t.turn
      """
          .formatted(TURN_COLUMNS);

  private static final String TURNS =
      "SELECT "
          + TURN_COLUMNS
          + " FROM item_turns t WHERE t.item_id = :item AND t.tenant_id = :tenant"
          + " ORDER BY t.attempt_no";

  private static final String CURRENT_TURN =
      "SELECT "
          + TURN_COLUMNS
          + " FROM item_turns t JOIN items i ON i.item_id = t.item_id"
          + " AND i.turn_attempt = t.attempt_no"
          + " WHERE i.item_id = :item AND i.tenant_id = :tenant";

  /**
   * Adopts the stored image of each SUCCEEDED item that shows no kept turn (made before V80) as a
   * version without a conversation: numbered by the attempt that made it, on the catalog model that
   * made it (asked, else served), or {@code :fallback} (the first model of the batch's tier) when
   * that model is no longer in the catalog. An item without a stored image is left alone.
   */
  private static final String ADOPT_IMAGES =
      """
      WITH picked AS (
        SELECT i.item_id, i.tenant_id, i.image_key, i.sidecar_key, i.alt_text, i.caption,
               i.model_served AS item_served, i.attempts, a.attempt_no, a.model_requested,
               a.model_served
          FROM items i
          LEFT JOIN LATERAL (
                 SELECT x.attempt_no, x.model_requested, x.model_served FROM attempts x
                  WHERE x.item_id = i.item_id AND x.outcome = 'SUCCEEDED'
                  ORDER BY x.attempt_no DESC LIMIT 1) a ON true
         WHERE i.batch_id = :batch AND i.tenant_id = :tenant AND i.state = 'SUCCEEDED'
           AND i.image_key IS NOT NULL
           AND (CAST(:item AS uuid) IS NULL OR i.item_id = CAST(:item AS uuid))
           AND NOT EXISTS (SELECT 1 FROM item_turns t
                            WHERE t.item_id = i.item_id AND t.attempt_no = i.turn_attempt)
           FOR UPDATE OF i
      ), adopted AS (
        INSERT INTO item_turns (item_id, attempt_no, tenant_id, parent_attempt, turn, model,
                                model_served, request_text, reference_images, model_parts,
                                image_key, sidecar_key, alt_text, caption, created_at,
                                conversation_kept)
        SELECT p.item_id, coalesce(p.attempt_no, p.attempts), p.tenant_id, NULL, 0,
               CASE WHEN p.model_requested = ANY(CAST(:catalog AS text[])) THEN p.model_requested
                    WHEN p.item_served = ANY(CAST(:catalog AS text[])) THEN p.item_served
                    ELSE :fallback END,
               coalesce(p.model_served, p.item_served), '', 0,
               jsonb_build_array(jsonb_build_object(
                   'mimeType', CASE WHEN p.image_key ~* '\\.(jpg|jpeg)$' THEN 'image/jpeg'
                                    ELSE 'image/png' END,
                   'imageKey', p.image_key)),
               p.image_key, coalesce(p.sidecar_key, ''), p.alt_text, p.caption, :now, false
          FROM picked p
        ON CONFLICT (item_id, attempt_no) DO NOTHING
        RETURNING item_id, attempt_no
      )
      UPDATE items SET turn_attempt = a.attempt_no FROM adopted a WHERE items.item_id = a.item_id
      """;

  private static final String INSERT_EDIT =
      """
      INSERT INTO item_edits (edit_id, item_id, tenant_id, batch_id, turn, instruction, model,
                              base_attempt, state, created_at)
      SELECT :edit, :item, :tenant, :batch,
             coalesce((SELECT max(turn) FROM item_edits WHERE item_id = :item), 0) + 1,
             :instruction, :model, :base, 'PENDING', :now
      """;

  private static final String FINISH_EDIT =
      """
      UPDATE item_edits SET state = :state, attempt_no = :attempt, error_type = :errorType,
                            error_message = :errorMessage, finished_at = :now
       WHERE edit_id = :edit AND state = 'PENDING'
      """;

  private static final String EDIT_COLUMNS =
      "edit_id, item_id, turn, instruction, model, base_attempt, state, attempt_no, error_type,"
          + " error_message, created_at, finished_at,"
          + " (SELECT count(*) FROM attempts a WHERE a.item_id = item_edits.item_id"
          + " AND a.edit_id = item_edits.edit_id) AS calls,"
          + " (SELECT coalesce(sum(a.cost_usd), 0) FROM attempts a"
          + " WHERE a.item_id = item_edits.item_id AND a.edit_id = item_edits.edit_id) AS cost_usd";

  private static final String EDITS =
      "SELECT "
          + EDIT_COLUMNS
          + " FROM item_edits WHERE item_id = :item AND tenant_id = :tenant ORDER BY turn";

  private static final String EDIT =
      "SELECT " + EDIT_COLUMNS + " FROM item_edits WHERE edit_id = :edit AND tenant_id = :tenant";

  /**
   * Shows an earlier version again: the item's image, sidecar, texts and model are the version's,
   * and the next edit continues from it. Only a SUCCEEDED item (one not running an edit).
   */
  private static final String RESTORE =
      """
      UPDATE items i SET image_key = t.image_key, sidecar_key = t.sidecar_key,
                         alt_text = t.alt_text, caption = t.caption,
                         model_served = coalesce(t.model_served, t.model),
                         turn_attempt = t.attempt_no, version = i.version + 1, updated_at = :now,
                         note = 'version ' || t.attempt_no || ' restored at ' || :nowText
        FROM item_turns t
       WHERE i.item_id = :item AND i.tenant_id = :tenant AND i.state = 'SUCCEEDED'
         AND t.item_id = i.item_id AND t.attempt_no = :attempt
      """;

  /** Which items a bulk edit by filter takes (every given field must match). */
  public record EditFilter(
      String variant, String model, List<String> skus, boolean blockedThenRerouted) {}

  /** The items of the batch with this SKU (one per variant), for edits addressed by SKU. */
  private static final String ITEMS_BY_SKU =
      "SELECT CAST(item_id AS text) FROM items WHERE batch_id = :batch AND tenant_id = :tenant"
          + " AND sku = :sku AND (CAST(:variant AS text) IS NULL OR variant = :variant)"
          + " ORDER BY item_no";

  /** The batch's manifest lists the item's new image: it is written again. */
  private static final String MANIFEST_STALE =
      "UPDATE batches SET manifest_key = NULL WHERE batch_id = :batch AND tenant_id = :tenant";

  private final JdbcClient jdbc;

  public Conversations(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** True when the tenant has this batch. */
  public boolean batchExists(TenantId tenant, BatchId batch) {
    return jdbc.sql("SELECT count(*) FROM batches WHERE batch_id = :batch AND tenant_id = :tenant")
            .param("batch", batch.value())
            .param("tenant", tenant.value())
            .query(Integer.class)
            .single()
        > 0;
  }

  /** The item as an edit sees it; empty when the tenant has no such item in the batch. */
  public Optional<EditableItem> editable(TenantId tenant, BatchId batch, ItemId item) {
    return jdbc.sql(EDITABLE)
        .param("item", item.value())
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .query(
            (rs, i) ->
                new EditableItem(
                    rs.getString("state"),
                    (Integer) rs.getObject("turn_attempt"),
                    rs.getBoolean("cancelled")))
        .optional();
  }

  /** Records a turn and makes it the version the item shows (in the caller's transaction). */
  public void saveTurn(Turn t) {
    jdbc.sql(INSERT_TURN)
        .param("item", t.item().value())
        .param("attempt", t.attemptNo())
        .param("tenant", t.tenant().value())
        .param("parent", t.parentAttempt())
        .param("turn", t.turn())
        .param("model", t.model())
        .param("served", t.modelServed())
        .param("request", t.requestText())
        .param("refs", t.referenceImages())
        .param("parts", t.modelPartsJson())
        .param("imageKey", t.imageKey())
        .param("sidecarKey", t.sidecarKey())
        .param("altText", t.altTextJson())
        .param("caption", t.caption())
        .param("createdAt", Timestamp.from(t.createdAt()))
        .update();
    jdbc.sql(SHOW_TURN).param("attempt", t.attemptNo()).param("item", t.item().value()).update();
  }

  /** The turns that led to {@code attempt}'s version, the generation first. */
  public List<Turn> chain(ItemId item, int attempt) {
    return jdbc.sql(CHAIN)
        .param("item", item.value())
        .param("attempt", attempt)
        .query(Conversations::turn)
        .list();
  }

  /** Every version of the item, oldest first. */
  public List<Turn> turns(TenantId tenant, ItemId item) {
    return jdbc.sql(TURNS)
        .param("item", item.value())
        .param("tenant", tenant.value())
        .query(Conversations::turn)
        .list();
  }

  /** The version the item shows now, if its conversation is kept. */
  public Optional<Turn> current(TenantId tenant, ItemId item) {
    return jdbc.sql(CURRENT_TURN)
        .param("item", item.value())
        .param("tenant", tenant.value())
        .query(Conversations::turn)
        .optional();
  }

  /**
   * Makes the stored image of the batch's SUCCEEDED items that kept no conversation (or of one
   * item, when {@code item} is given) a version an edit can start from; answers how many were
   * adopted.
   *
   * @param catalogModels the ids of the catalog's models: a model not among them is gone
   * @param fallback the model to edit on when the one that made the image is gone
   */
  public int adoptImages(
      TenantId tenant,
      BatchId batch,
      ItemId item,
      List<String> catalogModels,
      String fallback,
      Instant now) {
    return jdbc.sql(ADOPT_IMAGES)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .param("item", item == null ? null : item.value())
        .param("catalog", catalogModels.toArray(String[]::new))
        .param("fallback", fallback)
        .param("now", Timestamp.from(now))
        .update();
  }

  /** The tier of the tenant's batch, if it has it. */
  public Optional<String> tier(TenantId tenant, BatchId batch) {
    return jdbc.sql("SELECT tier FROM batches WHERE batch_id = :batch AND tenant_id = :tenant")
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .query(String.class)
        .optional();
  }

  /** Records a PENDING edit of {@code base}'s version; its turn number is the item's next. */
  public void insertEdit(
      UUID edit,
      TenantId tenant,
      BatchId batch,
      ItemId item,
      String instruction,
      String model,
      int base,
      Instant now) {
    jdbc.sql(INSERT_EDIT)
        .param("edit", edit)
        .param("item", item.value())
        .param("tenant", tenant.value())
        .param("batch", batch.value())
        .param("instruction", instruction)
        .param("model", model)
        .param("base", base)
        .param("now", Timestamp.from(now))
        .update();
  }

  /** Ends a PENDING edit (in the caller's transaction); an edit already ended is left alone. */
  public void finishEdit(
      UUID edit,
      String state,
      Integer attempt,
      String errorType,
      String errorMessage,
      Instant now) {
    jdbc.sql(FINISH_EDIT)
        .param("edit", edit)
        .param("state", state)
        .param("attempt", attempt)
        .param("errorType", errorType)
        .param("errorMessage", errorMessage)
        .param("now", Timestamp.from(now))
        .update();
  }

  public List<Edit> edits(TenantId tenant, ItemId item) {
    return jdbc.sql(EDITS)
        .param("item", item.value())
        .param("tenant", tenant.value())
        .query(Conversations::edit)
        .list();
  }

  public Optional<Edit> edit(TenantId tenant, UUID edit) {
    return jdbc.sql(EDIT)
        .param("edit", edit)
        .param("tenant", tenant.value())
        .query(Conversations::edit)
        .optional();
  }

  /** The batch's items with this SKU (and variant, when given). */
  public List<ItemId> itemsBySku(TenantId tenant, BatchId batch, String sku, String variant) {
    return jdbc
        .sql(ITEMS_BY_SKU)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .param("sku", sku)
        .param("variant", variant)
        .query(String.class)
        .list()
        .stream()
        .map(ItemId::of)
        .toList();
  }

  /** Shows version {@code attempt} again; false when the item is not SUCCEEDED or has no such. */
  public boolean restore(TenantId tenant, BatchId batch, ItemId item, int attempt, Instant now) {
    boolean restored =
        jdbc.sql(RESTORE)
                .param("item", item.value())
                .param("tenant", tenant.value())
                .param("attempt", attempt)
                .param("now", Timestamp.from(now))
                .param("nowText", now.toString())
                .update()
            == 1;
    if (restored) {
      jdbc.sql(MANIFEST_STALE)
          .param("batch", batch.value())
          .param("tenant", tenant.value())
          .update();
    }
    return restored;
  }

  private static Turn turn(ResultSet rs, int i) throws SQLException {
    return new Turn(
        new ItemId(rs.getObject("item_id", UUID.class)),
        rs.getInt("attempt_no"),
        new TenantId(rs.getObject("tenant_id", UUID.class)),
        (Integer) rs.getObject("parent_attempt"),
        rs.getInt("turn"),
        rs.getString("model"),
        rs.getString("model_served"),
        rs.getString("request_text"),
        rs.getInt("reference_images"),
        rs.getString("model_parts"),
        rs.getString("image_key"),
        rs.getString("sidecar_key"),
        rs.getString("alt_text"),
        rs.getString("caption"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getBoolean("conversation_kept"));
  }

  private static Edit edit(ResultSet rs, int i) throws SQLException {
    Timestamp finished = rs.getTimestamp("finished_at");
    return new Edit(
        rs.getObject("edit_id", UUID.class),
        new ItemId(rs.getObject("item_id", UUID.class)),
        rs.getInt("turn"),
        rs.getString("instruction"),
        rs.getString("model"),
        rs.getInt("base_attempt"),
        rs.getString("state"),
        (Integer) rs.getObject("attempt_no"),
        rs.getString("error_type"),
        rs.getString("error_message"),
        rs.getTimestamp("created_at").toInstant(),
        finished == null ? null : finished.toInstant(),
        rs.getInt("calls"),
        rs.getBigDecimal("cost_usd"));
  }
}
