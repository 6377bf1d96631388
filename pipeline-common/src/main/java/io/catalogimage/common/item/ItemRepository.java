package io.catalogimage.common.item;

import static io.catalogimage.common.item.ItemState.BLOCKED;
import static io.catalogimage.common.item.ItemState.CANCELLED;
import static io.catalogimage.common.item.ItemState.CAP_REACHED;
import static io.catalogimage.common.item.ItemState.DISPATCHED;
import static io.catalogimage.common.item.ItemState.FAILED;
import static io.catalogimage.common.item.ItemState.IN_PROVIDER_BATCH;
import static io.catalogimage.common.item.ItemState.QUEUED;
import static io.catalogimage.common.item.ItemState.RUNNING;
import static io.catalogimage.common.item.ItemState.SUCCEEDED;

import io.catalogimage.common.db.LockConflicts;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Every statement that changes an item's state, for the api and the worker alike: one repository
 * for the aggregate (DESIGN.md decision 6). Each declares its {@link ItemMove} (checked against
 * {@link ItemState}'s table when this class loads) and guards on the from-states of that move;
 * statements on one item a worker holds also guard on its lease and its version, so a stale worker
 * or a lost race changes nothing and says so. Every change bumps {@code version}. The database
 * refuses any move outside the table ({@code item_state_moves}).
 *
 * <p>Creating items (intake) and counting them (triggers) are not state changes and live with their
 * features.
 */
public class ItemRepository {

  // ---- the moves, one per kind of statement ----

  public static final ItemMove CLAIM =
      ItemMove.of("a worker claims it", EnumSet.of(DISPATCHED, QUEUED), RUNNING);
  public static final ItemMove SUCCEED =
      ItemMove.of("its image is stored", EnumSet.of(RUNNING), SUCCEEDED);
  public static final ItemMove REQUEUE =
      ItemMove.of(
          "back to the queue for a retry (cancelled if its batch was)",
          EnumSet.of(RUNNING),
          QUEUED,
          CANCELLED);
  public static final ItemMove FINISH =
      ItemMove.of(
          "ends without an image", EnumSet.of(RUNNING), FAILED, BLOCKED, CAP_REACHED, CANCELLED);
  public static final ItemMove RELEASE_UNSTARTED =
      ItemMove.of("handed back at shutdown before its call", EnumSet.of(RUNNING), QUEUED);
  public static final ItemMove DISPATCH =
      ItemMove.of("published to its lane's topic", EnumSet.of(QUEUED), DISPATCHED);
  public static final ItemMove REDISPATCH =
      ItemMove.of("no worker took its record in time", EnumSet.of(DISPATCHED), QUEUED);
  public static final ItemMove RECLAIM =
      ItemMove.of(
          "its worker's lease expired (cancelled if its batch was)",
          EnumSet.of(RUNNING),
          QUEUED,
          CANCELLED);
  public static final ItemMove UNPROCESSABLE =
      ItemMove.of("its job record went to the dead-letter topic", EnumSet.of(DISPATCHED), FAILED);
  public static final ItemMove CANCEL =
      ItemMove.of(
          "its batch is cancelled before it ran",
          EnumSet.of(QUEUED, DISPATCHED, IN_PROVIDER_BATCH, CAP_REACHED),
          CANCELLED);
  public static final ItemMove PACK =
      ItemMove.of(
          "its attempt went out in a provider batch job", EnumSet.of(RUNNING), IN_PROVIDER_BATCH);
  public static final ItemMove ADOPT_INTO_PROVIDER_JOB =
      ItemMove.of(
          "its submitter was lost, and the provider holds its job: it waits for that job",
          EnumSet.of(RUNNING),
          IN_PROVIDER_BATCH);
  public static final ItemMove RELEASE_UNSUBMITTED =
      ItemMove.of(
          "its submitter was lost, and the provider holds no job for it: queued again (cancelled"
              + " if its batch was)",
          EnumSet.of(RUNNING),
          QUEUED,
          CANCELLED);
  public static final ItemMove TAKE_BATCH_RESULT =
      ItemMove.of(
          "its provider batch line came back: held to settle it like a real-time answer",
          EnumSet.of(IN_PROVIDER_BATCH),
          RUNNING);
  public static final ItemMove BACK_FROM_PROVIDER_BATCH =
      ItemMove.of(
          "its provider batch line failed, never ran, or is late: real time now (cancelled if its"
              + " batch was)",
          EnumSet.of(IN_PROVIDER_BATCH),
          QUEUED,
          CANCELLED);
  public static final ItemMove REDRIVE =
      ItemMove.of("re-driven", EnumSet.of(FAILED, BLOCKED, CANCELLED), QUEUED);
  public static final ItemMove RESUME_CAPPED =
      ItemMove.of("its cost cap was raised", EnumSet.of(CAP_REACHED), QUEUED);
  public static final ItemMove EDIT =
      ItemMove.of("an edit of its image is queued", EnumSet.of(SUCCEEDED), QUEUED);
  public static final ItemMove EDIT_ENDED =
      ItemMove.of(
          "its edit ended without a new image; the previous one stays",
          EnumSet.of(RUNNING),
          SUCCEEDED);
  public static final ItemMove RECAPTION =
      ItemMove.of(
          "its alt text is captioned again from its stored image (the image stays)",
          EnumSet.of(SUCCEEDED),
          QUEUED);
  public static final ItemMove RECAPTION_ENDED =
      ItemMove.of(
          "its recaption ended: new texts where captions passed, the image unchanged",
          EnumSet.of(RUNNING),
          SUCCEEDED);

  /** Every move a statement here makes (the lifecycle test walks them). */
  public static final List<ItemMove> MOVES =
      List.of(
          CLAIM,
          SUCCEED,
          REQUEUE,
          FINISH,
          RELEASE_UNSTARTED,
          DISPATCH,
          REDISPATCH,
          RECLAIM,
          UNPROCESSABLE,
          CANCEL,
          REDRIVE,
          RESUME_CAPPED,
          PACK,
          ADOPT_INTO_PROVIDER_JOB,
          RELEASE_UNSUBMITTED,
          TAKE_BATCH_RESULT,
          BACK_FROM_PROVIDER_BATCH,
          EDIT,
          EDIT_ENDED,
          RECAPTION,
          RECAPTION_ENDED);

  /** One item a worker holds under its lease, at the version it last wrote or read. */
  public record Held(ItemId item, String worker, int version) {
    public Held withVersion(int newVersion) {
      return new Held(item, worker, newVersion);
    }
  }

  // ---- SQL ----

  private static final String BATCH_CANCELLED =
      "EXISTS (SELECT 1 FROM batches b WHERE b.batch_id = items.batch_id"
          + " AND b.cancelled_at IS NOT NULL)";

  /** The guard of every statement on one held item: its state, its lease and its version. */
  private static final String HELD =
      " WHERE item_id = :item AND state = 'RUNNING' AND lease_owner = :worker"
          + " AND version = :version";

  private static final String RELEASE_LEASE =
      "lease_owner = NULL, lease_until = NULL, version = version + 1, updated_at = :now,"
          + " cost_usd = cost_usd + :delta";

  /**
   * Only waiting items are claimed: a re-delivered record of an item that is RUNNING elsewhere or
   * already SUCCEEDED matches nothing, so the provider is not called twice. A due QUEUED item is
   * claimable too: the record can arrive before the dispatcher's transaction commits; the claim
   * then waits for that row lock and re-checks the row as committed (DISPATCHED). A stale record of
   * an item waiting for a later retry (not_before in the future) claims nothing. The item's
   * failures and its 429s with a retry delay, per model in its current run, come along: routing
   * bounds the tries on each model.
   */
  private static final String CLAIM_SQL =
      """
      UPDATE items i
         SET state = 'RUNNING', lease_owner = :worker, lease_until = :until,
             version = i.version + 1, updated_at = :now
        FROM batches b, products p, tenants t
       WHERE i.item_id = ANY(:ids)
         AND (i.state = 'DISPATCHED' OR (i.state = 'QUEUED' AND i.not_before <= :now))
         AND b.batch_id = i.batch_id
         AND p.batch_id = i.batch_id AND p.product_no = i.product_no
         AND t.tenant_id = i.tenant_id
      RETURNING i.item_id, i.tenant_id, i.batch_id, i.sku, i.variant, i.attempts, i.next_model,
                i.route_reason, i.attempts_before_run, i.version,
                b.tier, b.spec, p.data, CAST(i.alt_text_checks AS text) AS alt_text_checks,
                b.lane, b.deadline, b.cost_cap_usd, b.allow_safety_reroute, t.monthly_cap_usd,
                (SELECT row_to_json(e)::text FROM item_edits e
                  WHERE e.edit_id = i.edit_id AND e.state = 'PENDING') AS edit,
                i.recaption_id, i.recaption_locales, i.image_key, i.sidecar_key, i.caption,
                (SELECT coalesce(jsonb_object_agg(f.model_requested, f.n), '{}'::jsonb)::text
                   FROM (SELECT a.model_requested, count(*) AS n FROM attempts a
                          WHERE a.item_id = i.item_id AND a.attempt_no > i.attempts_before_run
                            AND a.outcome IN ('RATE_LIMITED_NO_HINT', 'SERVER_ERROR', 'TIMEOUT',
                                              'CONNECTION_LOST', 'NO_IMAGE')
                          GROUP BY a.model_requested) f) AS failures_by_model,
                (SELECT coalesce(jsonb_object_agg(f.model_requested, f.n), '{}'::jsonb)::text
                   FROM (SELECT a.model_requested, count(*) AS n FROM attempts a
                          WHERE a.item_id = i.item_id AND a.attempt_no > i.attempts_before_run
                            AND a.outcome = 'RATE_LIMITED'
                          GROUP BY a.model_requested) f) AS rate_limits_by_model
      """;

  /**
   * Renews only the leases of items the worker still works on, and says which: one it no longer
   * holds (reclaimed, finished elsewhere) is absent from the answer.
   */
  private static final String RENEW_SQL =
      """
      UPDATE items SET lease_until = :until
       WHERE item_id = ANY(:ids) AND lease_owner = :worker AND state = 'RUNNING'
      RETURNING item_id
      """;

  /**
   * The alt texts a merchant set (source {@code merchant}), by locale: a later pass never
   * overwrites them.
   */
  private static final String MERCHANT_TEXTS =
      "coalesce((SELECT jsonb_object_agg(m.key, m.value->'text')"
          + " FROM jsonb_each(coalesce(items.alt_text_checks, '{}'::jsonb)) m"
          + " WHERE m.value->>'source' = 'merchant'), '{}'::jsonb)";

  private static final String MERCHANT_CHECKS =
      "coalesce((SELECT jsonb_object_agg(m.key, m.value)"
          + " FROM jsonb_each(coalesce(items.alt_text_checks, '{}'::jsonb)) m"
          + " WHERE m.value->>'source' = 'merchant'), '{}'::jsonb)";

  private static final String SUCCEED_SQL =
      "UPDATE items SET state = 'SUCCEEDED', model_served = :served, image_key = :imageKey,"
          + " sidecar_key = :sidecarKey, alt_text = CAST(:altText AS jsonb) || "
          + MERCHANT_TEXTS
          + ", caption = :caption,"
          + " alt_text_checks = coalesce(CAST(:altTextChecks AS jsonb), '{}'::jsonb) || "
          + MERCHANT_CHECKS
          + ","
          + " finished_at = :now, next_model = NULL, route_reason = NULL,"
          + " last_error_type = NULL, last_error_message = NULL, note = :note, "
          + RELEASE_LEASE
          + HELD;

  /** Back to the queue, unless the batch was cancelled meanwhile: then that is where it ends. */
  private static final String REQUEUE_SQL =
      "UPDATE items SET state = CASE WHEN "
          + BATCH_CANCELLED
          + " THEN 'CANCELLED' ELSE 'QUEUED' END,"
          + " finished_at = CASE WHEN "
          + BATCH_CANCELLED
          + " THEN CAST(:now AS timestamptz) END,"
          + " not_before = :notBefore, next_model = :nextModel, route_reason = :routeReason,"
          + " dispatched_at = NULL,"
          + " last_error_type = coalesce(CAST(:errorType AS text), last_error_type),"
          + " last_error_message = CASE WHEN CAST(:errorType AS text) IS NULL"
          + " THEN last_error_message ELSE :errorMessage END,"
          + " note = :note, "
          + RELEASE_LEASE
          + HELD;

  private static final String FINISH_SQL =
      "UPDATE items SET state = :state, finished_at = :now, last_error_type = :errorType,"
          + " last_error_message = :errorMessage, note = :note, "
          + RELEASE_LEASE
          + HELD;

  private static final String CANCEL_HELD_SQL =
      "UPDATE items SET state = 'CANCELLED', finished_at = :now,"
          + " note = 'cancelled by request before its call', "
          + RELEASE_LEASE
          + HELD
          + " AND "
          + BATCH_CANCELLED;

  /** Items claimed but never started (shutdown): handed back at once instead of at lease expiry. */
  private static final String RELEASE_UNSTARTED_SQL =
      """
      UPDATE items i SET state = 'QUEUED', not_before = :now, dispatched_at = NULL,
                         lease_owner = NULL, lease_until = NULL, version = i.version + 1,
                         updated_at = :now, note = 'handed back by ' || :worker || ' at shutdown'
        FROM unnest(CAST(:ids AS uuid[]), CAST(:versions AS int[])) AS h(item_id, version)
       WHERE i.item_id = h.item_id AND i.version = h.version
         AND i.state = 'RUNNING' AND i.lease_owner = :worker
      """;

  private static final String ADD_COST_SQL =
      "UPDATE items SET cost_usd = cost_usd + :delta WHERE item_id = :item";

  private static final String DISPATCH_SQL =
      """
      UPDATE items SET state = 'DISPATCHED', dispatched_at = :now, version = version + 1,
                       updated_at = :now, note = NULL
       WHERE item_id = ANY(:ids) AND state = 'QUEUED'
      """;

  /** Items no worker took in time go back to the queue (the record may have been lost). */
  private static final String REDISPATCH_SQL =
      """
      UPDATE items SET state = 'QUEUED', dispatched_at = NULL, version = version + 1,
                       updated_at = :now, not_before = :now,
                       note = 'sent again: no worker took it within ' || :after
       WHERE state = 'DISPATCHED' AND dispatched_at < :cutoff
      """;

  /**
   * Leases that ran out belong to workers that died or stalled: their items are queued again (or
   * end CANCELLED when their batch was cancelled meanwhile).
   */
  private static final String RECLAIM_SQL =
      """
      UPDATE items SET state = CASE WHEN b.cancelled_at IS NULL THEN 'QUEUED' ELSE 'CANCELLED' END,
                       finished_at = CASE WHEN b.cancelled_at IS NULL THEN NULL
                                        ELSE CAST(:now AS timestamptz) END,
                       not_before = :now, version = items.version + 1, updated_at = :now,
                       note = 'lease of ' || lease_owner || ' expired at ' || lease_until
                              || CASE WHEN b.cancelled_at IS NULL THEN '; sent again'
                                      ELSE '; batch cancelled' END,
                       lease_owner = NULL, lease_until = NULL
        FROM batches b
       WHERE b.batch_id = items.batch_id AND items.state = 'RUNNING' AND items.lease_until < :now
         AND NOT EXISTS (SELECT 1 FROM provider_job_items l JOIN provider_jobs j USING (job_id)
                          WHERE l.item_id = items.item_id AND j.state = 'SUBMITTING')
      RETURNING item_id
      """;

  /**
   * Calls the lost worker had in flight are settled at the reserved cost, flagged possibly billed:
   * the provider may have generated (and charged) the image.
   */
  private static final String ABANDON_CALLS_SQL =
      """
      UPDATE attempts SET outcome = 'ABANDONED', finished_at = :now, cost_usd = reserved_usd,
                          possibly_billed = true,
                          decision = 'worker lost during the call; item sent again'
       WHERE item_id = ANY(:ids) AND outcome = 'IN_FLIGHT'
      RETURNING item_id, cost_usd
      """;

  private static final String UNPROCESSABLE_SQL =
      """
      UPDATE items SET state = 'FAILED', finished_at = :now, version = version + 1,
                       updated_at = :now, last_error_type = 'UNPROCESSABLE',
                       last_error_message = :reason,
                       note = 'its job record could not be processed and went to ' || :dlt
       WHERE item_id = :item AND state = 'DISPATCHED'
      """;

  private static final String CANCEL_SQL =
      """
      UPDATE items SET state = 'CANCELLED', finished_at = :now, version = version + 1,
                       updated_at = :now, note = 'cancelled by request'
       WHERE batch_id = :batch AND tenant_id = :tenant
         AND state IN ('QUEUED', 'DISPATCHED', 'IN_PROVIDER_BATCH', 'CAP_REACHED')
      """;

  private static final String REDRIVE_SQL =
      """
      UPDATE items SET state = 'QUEUED', not_before = :now, finished_at = NULL,
                       dispatched_at = NULL, next_model = NULL, route_reason = NULL,
                       attempts_before_run = attempts, version = version + 1, updated_at = :now,
                       note = 're-driven at ' || :nowText || ' (was ' || state || ')'
       WHERE batch_id = :batch AND tenant_id = :tenant AND state = ANY(:states)
      """;

  /**
   * An edit: the succeeded item runs again, on the model of its conversation, with its full
   * retries; its image, sidecar and texts stay on the row until the edit replaces them.
   */
  private static final String EDIT_SQL =
      """
      UPDATE items SET state = 'QUEUED', not_before = :now, finished_at = NULL,
                       dispatched_at = NULL, next_model = :model, route_reason = NULL,
                       edit_id = :edit, attempts_before_run = attempts,
                       version = version + 1, updated_at = :now,
                       note = 'edit queued at ' || :nowText
       WHERE item_id = :item AND tenant_id = :tenant AND state = 'SUCCEEDED'
      """;

  /** An edit that made no new image: back to SUCCEEDED with the image it had. */
  private static final String EDIT_ENDED_SQL =
      "UPDATE items SET state = 'SUCCEEDED', finished_at = :now, edit_id = NULL,"
          + " next_model = NULL, route_reason = NULL, note = :note, "
          + RELEASE_LEASE
          + HELD;

  /**
   * Edits every SUCCEEDED item of a batch that matches the filter and has a kept conversation, with
   * one instruction, in one statement: the edits' rows and the items' moves to the queue (from
   * SUCCEEDED only: move EDIT). Answers the items queued.
   */
  private static final String EDIT_MATCHING_SQL =
      """
      WITH picked AS (
        SELECT i.item_id, t.attempt_no, t.model
          FROM items i JOIN item_turns t
            ON t.item_id = i.item_id AND t.attempt_no = i.turn_attempt
         WHERE i.batch_id = :batch AND i.tenant_id = :tenant AND i.state = 'SUCCEEDED'
           AND (CAST(:variant AS text) IS NULL OR i.variant = :variant)
           AND (CAST(:model AS text) IS NULL OR t.model = :model)
           AND (cardinality(CAST(:skus AS text[])) = 0 OR i.sku = ANY(CAST(:skus AS text[])))
           AND (NOT :blockedThenRerouted
                OR EXISTS (SELECT 1 FROM attempts a WHERE a.item_id = i.item_id
                              AND a.outcome = 'BLOCKED' AND a.edit_id IS NULL))
         ORDER BY i.item_no
         LIMIT :limit
           FOR UPDATE OF i
      ), edits AS (
        INSERT INTO item_edits (edit_id, item_id, tenant_id, batch_id, turn, instruction, model,
                                base_attempt, state, created_at)
        SELECT gen_random_uuid(), p.item_id, :tenant, :batch,
               coalesce((SELECT max(e.turn) FROM item_edits e WHERE e.item_id = p.item_id), 0) + 1,
               :instruction, p.model, p.attempt_no, 'PENDING', :now
          FROM picked p
        RETURNING edit_id, item_id, model
      )
      UPDATE items SET state = 'QUEUED', not_before = :now, finished_at = NULL,
                       dispatched_at = NULL, next_model = e.model, route_reason = NULL,
                       edit_id = e.edit_id, attempts_before_run = items.attempts,
                       version = items.version + 1, updated_at = :now,
                       note = 'edit queued at ' || :nowText
        FROM edits e
       WHERE items.item_id = e.item_id AND items.state = 'SUCCEEDED'
      RETURNING CAST(items.item_id AS text)
      """;

  /**
   * The SUCCEEDED items of a batch a recaption selects, each with the locales it captions again:
   * the asked ones without the merchant's (never captioned) and, with {@code failingOnly}, only
   * those missing or failing a check. An item left with no locale is not selected.
   */
  private static final String RECAPTION_PICK =
      """
      SELECT i.item_id, i.item_no,
             ARRAY(SELECT l FROM unnest(CAST(:locales AS text[])) l
                    WHERE coalesce(i.alt_text_checks->l->>'source', '') <> 'merchant'
                      AND (NOT :failingOnly
                           OR i.alt_text_checks->l->>'text' IS NULL
                           OR EXISTS (SELECT 1
                                        FROM jsonb_each_text(i.alt_text_checks->l->'checks') c
                                       WHERE c.value = 'failed'))) AS locales
        FROM items i
       WHERE i.batch_id = :batch AND i.tenant_id = :tenant AND i.state = 'SUCCEEDED'
         AND i.image_key IS NOT NULL
         AND (cardinality(CAST(:ids AS uuid[])) = 0 OR i.item_id = ANY(CAST(:ids AS uuid[])))
         AND (cardinality(CAST(:skus AS text[])) = 0 OR i.sku = ANY(CAST(:skus AS text[])))
         AND (CAST(:variant AS text) IS NULL OR i.variant = :variant)
      """;

  private static final String RECAPTION_PREVIEW_SQL =
      "SELECT CAST(p.item_id AS text) FROM ("
          + RECAPTION_PICK
          + ") p WHERE cardinality(p.locales) > 0 ORDER BY p.item_no";

  /**
   * A recaption: the selected items go back to the queue (from SUCCEEDED only: move RECAPTION) with
   * the locales to caption again; a batch-lane item runs in real time (a provider batch job makes
   * images, not captions). Image, sidecar and texts stay on the row meanwhile.
   */
  private static final String RECAPTION_SQL =
      """
      WITH picked AS (
        SELECT p.item_id, p.locales FROM (
      """
          + RECAPTION_PICK
          + """
             FOR UPDATE OF i) p
         WHERE cardinality(p.locales) > 0
      )
      UPDATE items SET state = 'QUEUED', not_before = :now, finished_at = NULL,
                       dispatched_at = NULL, route_reason = NULL,
                       lane = CASE WHEN items.lane = 'batch' THEN :realTimeLane ELSE items.lane END,
                       recaption_id = :recaption, recaption_locales = p.locales,
                       version = items.version + 1, updated_at = :now,
                       note = 'recaption of ' || array_to_string(p.locales, ', ')
                              || ' queued at ' || :nowText
        FROM picked p
       WHERE items.item_id = p.item_id AND items.state = 'SUCCEEDED'
      RETURNING CAST(items.item_id AS text)
      """;

  /**
   * A recaption ended: SUCCEEDED again with the same image, the new texts (the merchant's kept),
   * and the version the item shows (its turn) says the same.
   */
  private static final String RECAPTION_ENDED_SQL =
      "WITH moved AS (UPDATE items SET state = 'SUCCEEDED', finished_at = :now,"
          + " alt_text = CAST(:altText AS jsonb) || "
          + MERCHANT_TEXTS
          + ", caption = :caption,"
          + " alt_text_checks = coalesce(CAST(:altTextChecks AS jsonb), '{}'::jsonb) || "
          + MERCHANT_CHECKS
          + ", recaption_id = NULL, recaption_locales = NULL, next_model = NULL,"
          + " route_reason = NULL, note = :note, "
          + RELEASE_LEASE
          + HELD
          + " RETURNING item_id, turn_attempt, alt_text, caption),"
          + " turned AS (UPDATE item_turns t SET alt_text = m.alt_text, caption = m.caption"
          + " FROM moved m WHERE t.item_id = m.item_id AND t.attempt_no = m.turn_attempt"
          + " RETURNING 1)"
          + " SELECT count(*) FROM moved";

  private static final String RESUME_CAPPED_SQL =
      """
      UPDATE items SET state = 'QUEUED', not_before = :now, finished_at = NULL,
                       dispatched_at = NULL, version = version + 1, updated_at = :now,
                       note = :note
       WHERE tenant_id = :tenant AND state = 'CAP_REACHED'
         AND (CAST(:batch AS uuid) IS NULL OR batch_id = :batch)
      """;

  private static final String RESUME_CAPPED_ITEM_SQL =
      """
      UPDATE items SET state = 'QUEUED', not_before = :now, finished_at = NULL,
                       dispatched_at = NULL, version = version + 1, updated_at = :now,
                       note = :note
       WHERE item_id = :item AND state = 'CAP_REACHED' AND version = :version
      """;

  /**
   * Runs again the edits a cost cap stopped: the latest edit of each item, when it ended
   * CAP_REACHED and the item still shows the version it was asked of (SUCCEEDED, no edit running).
   * The edit is PENDING again and the item queued for it (move EDIT), as when it was first asked.
   */
  private static final String RESUME_CAPPED_EDITS_SQL =
      """
      WITH latest AS (
        SELECT DISTINCT ON (e.item_id) e.edit_id, e.item_id, e.model, e.base_attempt, e.state
          FROM item_edits e
         WHERE e.tenant_id = :tenant AND (CAST(:batch AS uuid) IS NULL OR e.batch_id = :batch)
           AND e.item_id IN (SELECT c.item_id FROM item_edits c
                              WHERE c.tenant_id = :tenant AND c.state = 'CAP_REACHED'
                                AND (CAST(:batch AS uuid) IS NULL OR c.batch_id = :batch)
                                AND (CAST(:item AS uuid) IS NULL OR c.item_id = :item))
         ORDER BY e.item_id, e.turn DESC
      ), runnable AS (
        SELECT l.edit_id, l.item_id, l.model FROM latest l JOIN items i ON i.item_id = l.item_id
         WHERE l.state = 'CAP_REACHED' AND i.state = 'SUCCEEDED' AND i.edit_id IS NULL
           AND i.turn_attempt = l.base_attempt
           FOR UPDATE OF i
      ), reopened AS (
        UPDATE item_edits e SET state = 'PENDING', error_type = NULL, error_message = NULL,
                                finished_at = NULL
          FROM runnable r WHERE e.edit_id = r.edit_id
        RETURNING e.edit_id, e.item_id, e.model
      )
      UPDATE items SET state = 'QUEUED', not_before = :now, finished_at = NULL,
                       dispatched_at = NULL, next_model = r.model, route_reason = NULL,
                       edit_id = r.edit_id, attempts_before_run = items.attempts,
                       version = items.version + 1, updated_at = :now, note = :note
        FROM reopened r
       WHERE items.item_id = r.item_id AND items.state = 'SUCCEEDED'
      """;

  /** Held items whose attempt a provider job now carries: the job answers for them, no lease. */
  private static final String PACK_SQL =
      """
      UPDATE items i SET state = 'IN_PROVIDER_BATCH', provider_job = :job, version = i.version + 1,
                         updated_at = :now, lease_owner = NULL, lease_until = NULL,
                         note = 'in provider batch job ' || :jobText
        FROM unnest(CAST(:ids AS uuid[]), CAST(:versions AS int[])) AS h(item_id, version)
       WHERE i.item_id = h.item_id AND i.version = h.version
         AND i.state = 'RUNNING' AND i.lease_owner = :worker
      RETURNING i.item_id
      """;

  /**
   * The items of a job whose submitter was lost, still RUNNING on the attempt their line carries
   * (whoever's lease that was): the job the provider holds answers for them from now on.
   */
  private static final String ADOPT_SQL =
      """
      UPDATE items SET state = 'IN_PROVIDER_BATCH', provider_job = :job,
                       version = items.version + 1, updated_at = :now, lease_owner = NULL,
                       lease_until = NULL,
                       note = 'in provider batch job ' || :jobText || ' (found at the provider'
                              || ' after its submitter was lost)'
        FROM provider_job_items l, attempts a
       WHERE l.job_id = :job AND items.item_id = l.item_id AND a.item_id = l.item_id
         AND a.attempt_no = l.attempt_no AND a.outcome = 'IN_FLIGHT'
         AND items.state = 'RUNNING'
      RETURNING items.item_id
      """;

  /** As {@link #ADOPT_SQL}'s items, but the provider holds no job for them: queued again. */
  private static final String RELEASE_UNSUBMITTED_SQL =
      """
      UPDATE items SET state = CASE WHEN b.cancelled_at IS NULL THEN 'QUEUED' ELSE 'CANCELLED' END,
                       finished_at = CASE WHEN b.cancelled_at IS NULL THEN NULL
                                        ELSE CAST(:now AS timestamptz) END,
                       not_before = :now, dispatched_at = NULL, version = items.version + 1,
                       updated_at = :now, lease_owner = NULL, lease_until = NULL, note = :note
        FROM provider_job_items l, attempts a, batches b
       WHERE l.job_id = :job AND items.item_id = l.item_id AND a.item_id = l.item_id
         AND a.attempt_no = l.attempt_no AND a.outcome = 'IN_FLIGHT'
         AND b.batch_id = items.batch_id AND items.state = 'RUNNING'
      RETURNING items.item_id
      """;

  private static final String CLAIM_GUARD =
      "AND (i.state = 'DISPATCHED' OR (i.state = 'QUEUED' AND i.not_before <= :now))";

  /** The claim's statement and answer, for an item whose provider batch line came back. */
  private static final String TAKE_BATCH_RESULT_SQL =
      CLAIM_SQL
          .replace(CLAIM_GUARD, "AND i.state = 'IN_PROVIDER_BATCH' AND i.provider_job = :job")
          .replace("updated_at = :now", "updated_at = :now, provider_job = NULL");

  private static final String BACK_FROM_PROVIDER_BATCH_SQL =
      "UPDATE items SET state = CASE WHEN "
          + BATCH_CANCELLED
          + " THEN 'CANCELLED' ELSE 'QUEUED' END,"
          + " finished_at = CASE WHEN "
          + BATCH_CANCELLED
          + " THEN CAST(:now AS timestamptz) END,"
          + " lane = :lane, not_before = :now, provider_job = NULL, dispatched_at = NULL,"
          + " version = version + 1, updated_at = :now, note = :note"
          + " WHERE item_id = ANY(:ids) AND state = 'IN_PROVIDER_BATCH' AND provider_job = :job"
          + " RETURNING item_id";

  static {
    // the guards written above must be the from-states their moves declare
    check(CLAIM, CLAIM_SQL, CLAIM_GUARD);
    check(PACK, PACK_SQL, "i.state = 'RUNNING'");
    check(ADOPT_INTO_PROVIDER_JOB, ADOPT_SQL, "items.state = 'RUNNING'");
    check(RELEASE_UNSUBMITTED, RELEASE_UNSUBMITTED_SQL, "items.state = 'RUNNING'");
    check(TAKE_BATCH_RESULT, TAKE_BATCH_RESULT_SQL, "i.state = 'IN_PROVIDER_BATCH'");
    check(BACK_FROM_PROVIDER_BATCH, BACK_FROM_PROVIDER_BATCH_SQL, "state = 'IN_PROVIDER_BATCH'");
    check(CLAIM, CLAIM_SQL, "i.state = 'DISPATCHED'", "i.state = 'QUEUED'");
    check(DISPATCH, DISPATCH_SQL, "state = 'QUEUED'");
    check(REDISPATCH, REDISPATCH_SQL, "state = 'DISPATCHED'");
    check(RECLAIM, RECLAIM_SQL, "items.state = 'RUNNING'");
    check(UNPROCESSABLE, UNPROCESSABLE_SQL, "state = 'DISPATCHED'");
    check(CANCEL, CANCEL_SQL, "state IN " + CANCEL.fromSql());
    check(RESUME_CAPPED, RESUME_CAPPED_SQL, "state = 'CAP_REACHED'");
    check(EDIT, EDIT_SQL, "state = 'SUCCEEDED'");
    check(EDIT, RESUME_CAPPED_EDITS_SQL, "items.state = 'SUCCEEDED'");
    check(EDIT, EDIT_MATCHING_SQL, "i.state = 'SUCCEEDED'", "items.state = 'SUCCEEDED'");
    check(RECAPTION, RECAPTION_SQL, "i.state = 'SUCCEEDED'", "items.state = 'SUCCEEDED'");
    check(RECAPTION_ENDED, RECAPTION_ENDED_SQL, "state = 'RUNNING'");
  }

  private static void check(ItemMove move, String sql, String... guards) {
    for (String guard : guards) {
      if (!sql.contains(guard)) {
        throw new IllegalStateException(move.what() + ": its statement lacks the guard " + guard);
      }
    }
  }

  private final JdbcClient jdbc;

  public ItemRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  // ---- worker: claims and leases ----

  /** Claims these items for {@code worker} until {@code until}; maps each claimed row. */
  public <T> List<T> claim(
      Collection<ItemId> items, String worker, Instant now, Instant until, RowMapper<T> rows) {
    if (items.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(CLAIM_SQL)
        .param("ids", ids(items))
        .param("worker", worker)
        .param("now", Timestamp.from(now))
        .param("until", Timestamp.from(until))
        .query(rows)
        .list();
  }

  /** Extends the leases of these items while {@code worker} holds them; returns those it holds. */
  public Set<ItemId> renew(Collection<ItemId> items, String worker, Instant until) {
    if (items.isEmpty()) {
      return Set.of();
    }
    return Set.copyOf(
        jdbc.sql(RENEW_SQL)
            .param("ids", ids(items))
            .param("worker", worker)
            .param("until", Timestamp.from(until))
            .query((rs, i) -> new ItemId(rs.getObject(1, UUID.class)))
            .list());
  }

  // ---- worker: one held item moves on ----

  /** What a succeeded item shows. */
  public record Success(
      String modelServed,
      String imageKey,
      String sidecarKey,
      String altTextJson,
      String caption,
      String note,
      String altTextChecksJson) {

    public Success(
        String modelServed,
        String imageKey,
        String sidecarKey,
        String altTextJson,
        String caption,
        String note) {
      this(modelServed, imageKey, sidecarKey, altTextJson, caption, note, null);
    }
  }

  /**
   * A merchant's alt text for one locale of an item of the tenant's batch: on the row (and so in
   * the manifest) with source {@code merchant}, kept by every later pass. Empty when there is no
   * such item; else the item's sidecar key (null before its image is stored).
   */
  public java.util.Optional<java.util.Optional<String>> setMerchantAltText(
      TenantId tenant, BatchId batch, ItemId item, String locale, String text, Instant now) {
    return jdbc.sql(
            """
            UPDATE items
               SET alt_text = coalesce(alt_text, '{}'::jsonb) || jsonb_build_object(:locale, :text),
                   alt_text_checks = coalesce(alt_text_checks, '{}'::jsonb)
                       || jsonb_build_object(:locale, jsonb_build_object(
                              'text', :text, 'source', 'merchant', 'checks', '{}'::jsonb)),
                   updated_at = :now
             WHERE item_id = :item AND batch_id = :batch AND tenant_id = :tenant
            RETURNING sidecar_key
            """)
        .param("locale", locale)
        .param("text", text)
        .param("now", java.sql.Timestamp.from(now))
        .param("item", item.value())
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .query((rs, n) -> java.util.Optional.ofNullable(rs.getString(1)))
        .optional();
  }

  /** SUCCEEDED; false when the item is no longer held at that version (nothing changed). */
  public boolean succeed(Held held, Success s, BigDecimal costDelta, Instant now) {
    return onHeld(
        jdbc.sql(SUCCEED_SQL)
            .param("served", s.modelServed())
            .param("imageKey", s.imageKey())
            .param("sidecarKey", s.sidecarKey())
            .param("altText", s.altTextJson())
            .param("caption", s.caption())
            .param("altTextChecks", s.altTextChecksJson())
            .param("note", s.note()),
        held,
        costDelta,
        now);
  }

  /** Why an item goes back to the queue. */
  public record Requeue(
      Instant notBefore,
      String nextModel,
      String routeReason,
      String errorType,
      String errorMessage,
      String note) {}

  /**
   * QUEUED again, due at {@code notBefore} (CANCELLED when its batch was cancelled meanwhile). A
   * null error type keeps the last error as it was (a requeue without a call).
   */
  public boolean requeue(Held held, Requeue r, BigDecimal costDelta, Instant now) {
    return onHeld(
        jdbc.sql(REQUEUE_SQL)
            .param("notBefore", Timestamp.from(r.notBefore()))
            .param("nextModel", r.nextModel())
            .param("routeReason", r.routeReason())
            .param("errorType", r.errorType())
            .param("errorMessage", r.errorMessage())
            .param("note", r.note()),
        held,
        costDelta,
        now);
  }

  /** A terminal state other than success: FAILED, BLOCKED, CAP_REACHED or CANCELLED. */
  public boolean finish(
      Held held,
      ItemState state,
      String errorType,
      String errorMessage,
      String note,
      BigDecimal costDelta,
      Instant now) {
    if (!FINISH.to().contains(state)) {
      throw new IllegalArgumentException("not a way to finish without an image: " + state);
    }
    return onHeld(
        jdbc.sql(FINISH_SQL)
            .param("state", state.name())
            .param("errorType", errorType)
            .param("errorMessage", errorMessage)
            .param("note", note),
        held,
        costDelta,
        now);
  }

  /** CANCELLED, if its batch was cancelled since the claim; false otherwise. */
  public boolean cancelIfBatchCancelled(Held held, Instant now) {
    return onHeld(jdbc.sql(CANCEL_HELD_SQL), held, BigDecimal.ZERO, now);
  }

  /** Hands back items claimed but never started; returns how many. */
  public int releaseUnstarted(Collection<Held> held, String worker, Instant now) {
    if (held.isEmpty()) {
      return 0;
    }
    return jdbc.sql(RELEASE_UNSTARTED_SQL)
        .param("ids", held.stream().map(h -> h.item().value()).toArray(UUID[]::new))
        .param("versions", held.stream().map(Held::version).toArray(Integer[]::new))
        .param("worker", worker)
        .param("now", Timestamp.from(now))
        .update();
  }

  /** Corrects an item's cost after a late settle whose item has moved on (no state change). */
  public void addCost(ItemId item, BigDecimal delta) {
    if (delta.signum() != 0) {
      jdbc.sql(ADD_COST_SQL).param("delta", delta).param("item", item.value()).update();
    }
  }

  /** FAILED: its job record could not be processed and went to the dead-letter topic. */
  public boolean failUnprocessable(
      ItemId item, String reason, String deadLetterTopic, Instant now) {
    return jdbc.sql(UNPROCESSABLE_SQL)
            .param("item", item.value())
            .param("reason", reason)
            .param("dlt", deadLetterTopic)
            .param("now", Timestamp.from(now))
            .update()
        == 1;
  }

  /**
   * Runs a move of a held item. Guarded by the item's version, it is run again if PostgreSQL rolled
   * it back in a lock cycle (outside a transaction): a worker's move that lost one would otherwise
   * leave the item to its lease's expiry.
   */
  private static int onHeldRows(
      JdbcClient.StatementSpec statement, Held held, BigDecimal delta, Instant now) {
    return LockConflicts.retried(
        MOVE_TRIES,
        () ->
            statement
                .param("delta", delta)
                .param("now", Timestamp.from(now))
                .param("item", held.item().value())
                .param("worker", held.worker())
                .param("version", held.version())
                .update());
  }

  /** Runs of a single-item move that loses lock conflicts (see {@link #onHeldRows}). */
  private static final int MOVE_TRIES = 3;

  private static boolean onHeld(
      JdbcClient.StatementSpec statement, Held held, BigDecimal delta, Instant now) {
    return onHeldRows(statement, held, delta, now) == 1;
  }

  // ---- api: dispatch and reclaim ----

  /** DISPATCHED, for items the caller locked and published; returns how many. */
  public int markDispatched(Collection<ItemId> items, Instant now) {
    return jdbc.sql(DISPATCH_SQL)
        .param("ids", ids(items))
        .param("now", Timestamp.from(now))
        .update();
  }

  /** QUEUED again for items dispatched longer than {@code after} ago that no worker took. */
  public int requeueStale(Instant now, Duration after) {
    return jdbc.sql(REDISPATCH_SQL)
        .param("now", Timestamp.from(now))
        .param("cutoff", Timestamp.from(now.minus(after)))
        .param("after", after.toString())
        .update();
  }

  /**
   * Reclaims expired leases and settles their lost calls as abandoned (possibly billed, at their
   * reservation); returns the items queued again. Run it in a transaction.
   */
  public int reclaimExpired(Instant now) {
    UUID[] reclaimed =
        jdbc.sql(RECLAIM_SQL)
            .param("now", Timestamp.from(now))
            .query(UUID.class)
            .list()
            .toArray(UUID[]::new);
    if (reclaimed.length == 0) {
      return 0;
    }
    List<Map.Entry<UUID, BigDecimal>> abandoned =
        jdbc.sql(ABANDON_CALLS_SQL)
            .param("ids", reclaimed)
            .param("now", Timestamp.from(now))
            .query((rs, i) -> Map.entry(rs.getObject(1, UUID.class), rs.getBigDecimal(2)))
            .list();
    for (Map.Entry<UUID, BigDecimal> call : abandoned) {
      addCost(new ItemId(call.getKey()), call.getValue());
    }
    return reclaimed.length;
  }

  // ---- the batch lane: items in provider batch jobs ----

  /**
   * IN_PROVIDER_BATCH in {@code job}, lease released, for the held items (those still held at their
   * version); returns them.
   */
  public List<ItemId> packIntoProviderJob(Collection<Held> held, UUID job, Instant now) {
    if (held.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(PACK_SQL)
        .param("ids", held.stream().map(h -> h.item().value()).toArray(UUID[]::new))
        .param("versions", held.stream().map(Held::version).toArray(Integer[]::new))
        .param("worker", held.iterator().next().worker())
        .param("job", job)
        .param("jobText", job.toString())
        .param("now", Timestamp.from(now))
        .query((rs, i) -> new ItemId(rs.getObject(1, UUID.class)))
        .list();
  }

  /**
   * RUNNING under {@code worker}'s lease for the items of {@code job} still waiting for its answer:
   * from here their lines are settled exactly like real-time answers. An item that fell back or was
   * cancelled meanwhile is not returned (its late result is discarded).
   */
  public <T> List<T> takeBatchResults(
      Collection<ItemId> items,
      UUID job,
      String worker,
      Instant now,
      Instant until,
      RowMapper<T> mapper) {
    return jdbc.sql(TAKE_BATCH_RESULT_SQL)
        .param("ids", ids(items))
        .param("job", job)
        .param("worker", worker)
        .param("now", Timestamp.from(now))
        .param("until", Timestamp.from(until))
        .query(mapper)
        .list();
  }

  /**
   * IN_PROVIDER_BATCH in {@code job} for its items still RUNNING on their line's attempt, whichever
   * worker's lease that was: the provider holds the job a lost worker submitted. Returns them.
   */
  public List<ItemId> adoptIntoProviderJob(UUID job, Instant now) {
    return jdbc.sql(ADOPT_SQL)
        .param("job", job)
        .param("jobText", job.toString())
        .param("now", Timestamp.from(now))
        .query((rs, i) -> new ItemId(rs.getObject(1, UUID.class)))
        .list();
  }

  /**
   * QUEUED (due now, in their lane) for the items of {@code job} still RUNNING on their line's
   * attempt: the provider holds no such job, so they were never sent. Returns them.
   */
  public List<ItemId> releaseUnsubmitted(UUID job, String note, Instant now) {
    return jdbc.sql(RELEASE_UNSUBMITTED_SQL)
        .param("job", job)
        .param("note", note)
        .param("now", Timestamp.from(now))
        .query((rs, i) -> new ItemId(rs.getObject(1, UUID.class)))
        .list();
  }

  /**
   * QUEUED in {@code lane} (a real-time lane), due now, for the items of {@code job} still in it
   * (CANCELLED for those whose batch was cancelled); returns the items moved.
   */
  public List<ItemId> backFromProviderJob(
      Collection<ItemId> items, UUID job, String lane, String note, Instant now) {
    return jdbc.sql(BACK_FROM_PROVIDER_BATCH_SQL)
        .param("ids", ids(items))
        .param("job", job)
        .param("lane", lane)
        .param("note", note)
        .param("now", Timestamp.from(now))
        .query((rs, i) -> new ItemId(rs.getObject(1, UUID.class)))
        .list();
  }

  // ---- api: a batch's items ----

  /** CANCELLED for the batch's items that have not started; returns how many. */
  public int cancelWaiting(TenantId tenant, BatchId batch, Instant now) {
    return jdbc.sql(CANCEL_SQL)
        .param("now", Timestamp.from(now))
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .update();
  }

  /** QUEUED again for the batch's items in {@code states}, each with its full retries. */
  public int redrive(TenantId tenant, BatchId batch, Set<ItemState> states, Instant now) {
    for (ItemState s : states) {
      if (!REDRIVE.from().contains(s)) {
        throw new IllegalArgumentException(s + " items cannot be re-driven");
      }
    }
    return jdbc.sql(REDRIVE_SQL)
        .param("now", Timestamp.from(now))
        .param("nowText", now.toString())
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .param("states", states.stream().map(Enum::name).toArray(String[]::new))
        .update();
  }

  /**
   * QUEUED again for items a cap stopped: one batch's, or all the tenant's ({@code batch} null).
   */
  public int resumeCapped(TenantId tenant, BatchId batch, String note, Instant now) {
    int items =
        jdbc.sql(RESUME_CAPPED_SQL)
            .param("now", Timestamp.from(now))
            .param("note", note)
            .param("batch", batch == null ? null : batch.value())
            .param("tenant", tenant.value())
            .update();
    int edits =
        jdbc.sql(RESUME_CAPPED_EDITS_SQL)
            .param("now", Timestamp.from(now))
            .param("note", note + " (edit)")
            .param("batch", batch == null ? null : batch.value())
            .param("tenant", tenant.value())
            .param("item", null)
            .update();
    return items + edits;
  }

  /**
   * Runs again the edit a cost cap stopped on one item, as {@link #resumeCapped} does for a whole
   * batch: only while that edit is still the item's latest, CAP_REACHED, and the item SUCCEEDED
   * with no edit running (move EDIT); false otherwise.
   */
  public boolean resumeCappedEdit(TenantId tenant, ItemId item, String note, Instant now) {
    return LockConflicts.retried(
            MOVE_TRIES,
            () ->
                jdbc.sql(RESUME_CAPPED_EDITS_SQL)
                    .param("now", Timestamp.from(now))
                    .param("note", note)
                    .param("batch", null)
                    .param("tenant", tenant.value())
                    .param("item", item.value())
                    .update())
        == 1;
  }

  /**
   * QUEUED again for one item a cap stopped, if it is still as it was left at {@code version} (move
   * RESUME_CAPPED); false otherwise.
   */
  public boolean resumeCappedItem(ItemId item, int version, String note, Instant now) {
    return LockConflicts.retried(
            MOVE_TRIES,
            () ->
                jdbc.sql(RESUME_CAPPED_ITEM_SQL)
                    .param("now", Timestamp.from(now))
                    .param("note", note)
                    .param("item", item.value())
                    .param("version", version)
                    .update())
        == 1;
  }

  /** Queues an edit of a SUCCEEDED item on {@code model}; false when it is not SUCCEEDED. */
  public boolean queueEdit(TenantId tenant, ItemId item, UUID edit, String model, Instant now) {
    return jdbc.sql(EDIT_SQL)
            .param("now", Timestamp.from(now))
            .param("nowText", now.toString())
            .param("model", model)
            .param("edit", edit)
            .param("item", item.value())
            .param("tenant", tenant.value())
            .update()
        == 1;
  }

  /** Queues one edit per matching item (at most {@code limit}); answers the items queued. */
  public List<ItemId> queueEditsMatching(
      TenantId tenant,
      BatchId batch,
      io.catalogimage.common.edit.Conversations.EditFilter filter,
      String instruction,
      int limit,
      Instant now) {
    return jdbc
        .sql(EDIT_MATCHING_SQL)
        .param("batch", batch.value())
        .param("tenant", tenant.value())
        .param("variant", filter.variant())
        .param("model", filter.model())
        .param("skus", filter.skus().toArray(String[]::new))
        .param("blockedThenRerouted", filter.blockedThenRerouted())
        .param("limit", limit)
        .param("instruction", instruction)
        .param("now", Timestamp.from(now))
        .param("nowText", now.toString())
        .query(String.class)
        .list()
        .stream()
        .map(ItemId::of)
        .toList();
  }

  /** The held item's edit ended without a new image: SUCCEEDED again, with its previous image. */
  public boolean endEdit(Held held, String note, BigDecimal costDelta, Instant now) {
    return jdbc.sql(EDIT_ENDED_SQL)
            .param("note", note)
            .param("now", Timestamp.from(now))
            .param("delta", costDelta)
            .param("item", held.item().value())
            .param("worker", held.worker())
            .param("version", held.version())
            .update()
        == 1;
  }

  /** What a recaption selects: item ids, SKUs and a variant (each empty/null: any). */
  public record RecaptionFilter(
      List<ItemId> items, List<String> skus, String variant, boolean failingOnly) {}

  /** The items a recaption of {@code locales} would queue now, in item order (a dry run). */
  public List<ItemId> previewRecaptions(
      TenantId tenant, BatchId batch, RecaptionFilter filter, List<String> locales) {
    return recaptionParams(jdbc.sql(RECAPTION_PREVIEW_SQL), tenant, batch, filter, locales)
        .query(String.class)
        .list()
        .stream()
        .map(ItemId::of)
        .toList();
  }

  /** Queues the recaption of every selected item; answers the items queued. */
  public List<ItemId> queueRecaptions(
      TenantId tenant,
      BatchId batch,
      RecaptionFilter filter,
      List<String> locales,
      UUID recaption,
      String realTimeLane,
      Instant now) {
    return recaptionParams(jdbc.sql(RECAPTION_SQL), tenant, batch, filter, locales)
        .param("recaption", recaption)
        .param("realTimeLane", realTimeLane)
        .param("now", Timestamp.from(now))
        .param("nowText", now.toString())
        .query(String.class)
        .list()
        .stream()
        .map(ItemId::of)
        .toList();
  }

  private static JdbcClient.StatementSpec recaptionParams(
      JdbcClient.StatementSpec sql,
      TenantId tenant,
      BatchId batch,
      RecaptionFilter filter,
      List<String> locales) {
    return sql.param("batch", batch.value())
        .param("tenant", tenant.value())
        .param("locales", locales.toArray(String[]::new))
        .param("failingOnly", filter.failingOnly())
        .param("ids", ids(filter.items()))
        .param("skus", filter.skus().toArray(String[]::new))
        .param("variant", filter.variant());
  }

  /**
   * The held item's recaption ended: SUCCEEDED again with its image, the texts given (JSON objects,
   * locale -> text and locale -> checks; the merchant's are kept over them) and caption.
   */
  public boolean endRecaption(
      Held held,
      String altTextJson,
      String altTextChecksJson,
      String caption,
      String note,
      Instant now) {
    Long moved =
        jdbc.sql(RECAPTION_ENDED_SQL)
            .param("altText", altTextJson)
            .param("altTextChecks", altTextChecksJson)
            .param("caption", caption)
            .param("note", note)
            .param("now", Timestamp.from(now))
            .param("delta", BigDecimal.ZERO)
            .param("item", held.item().value())
            .param("worker", held.worker())
            .param("version", held.version())
            .query(Long.class)
            .single();
    return moved == 1;
  }

  private static UUID[] ids(Collection<ItemId> items) {
    return items.stream().map(ItemId::value).toArray(UUID[]::new);
  }
}
