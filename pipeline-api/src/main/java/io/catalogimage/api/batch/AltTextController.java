package io.catalogimage.api.batch;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.storage.ObjectStore;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Merchant corrections of alt text: {@code PUT /v1/batches/{batch}/items/{item}/alt-text/{locale}}
 * stores the merchant's text for one of the batch's locales with source {@code merchant}, on the
 * item (so in the manifest) and in its sidecar. Its checks are not run: the merchant's word is
 * final, and no later pass (a caption, a re-generation) overwrites it.
 */
@RestController
class AltTextController {

  private static final Logger log = LoggerFactory.getLogger(AltTextController.class);

  /** Longer than any alt text should be, short enough to refuse a pasted document. */
  static final int MAX_LENGTH = 1000;

  /** The body: the text for the locale. */
  record AltTextCorrection(String text) {}

  private final BatchQueries queries;
  private final ItemRepository items;
  private final ObjectStore store;
  private final Clock clock;

  AltTextController(BatchQueries queries, ItemRepository items, ObjectStore store, Clock clock) {
    this.queries = queries;
    this.items = items;
    this.store = store;
    this.clock = clock;
  }

  /**
   * Sets the alt text of one locale of an item, as the merchant wrote it: stored with source {@code
   * merchant} on the item (manifest) and in its sidecar, never overwritten by a later pass, never
   * captioned. 400 for a locale the batch did not ask for or an empty text; 404 for no such item.
   *
   * @param locale one of the batch's {@code altTextLocales}
   */
  @PutMapping("/v1/batches/{batchId}/items/{itemId}/alt-text/{locale}")
  Map<String, Object> correct(
      TenantId tenant,
      @PathVariable String batchId,
      @PathVariable String itemId,
      @PathVariable String locale,
      @RequestBody AltTextCorrection body) {
    BatchId batch = BatchController.batchId(batchId);
    ItemId item;
    try {
      item = ItemId.of(itemId);
    } catch (IllegalArgumentException e) {
      throw ApiProblem.notFound("no item " + itemId + " in batch " + batchId);
    }
    BatchQueries.ItemDetailRow row =
        queries
            .item(tenant, batch, item)
            .orElseThrow(() -> ApiProblem.notFound("no item " + itemId + " in batch " + batchId));
    if (!row.spec().altTextLocales().contains(locale)) {
      throw ApiProblem.invalidParameter(
          "locale",
          "the batch asked for alt text in " + row.spec().altTextLocales() + ", not " + locale);
    }
    String text = body == null || body.text() == null ? null : body.text().strip();
    if (text == null || text.isEmpty()) {
      throw ApiProblem.invalidParameter(
          "text", "a body {\"text\": \"...\"} with a text is required");
    }
    if (text.codePointCount(0, text.length()) > MAX_LENGTH) {
      throw ApiProblem.invalidParameter(
          "text", "at most " + MAX_LENGTH + " characters (alt text is best under 125)");
    }
    Optional<String> sidecarKey =
        items
            .setMerchantAltText(tenant, batch, item, locale, text, clock.instant())
            .orElseThrow(() -> ApiProblem.notFound("no item " + itemId + " in batch " + batchId));
    sidecarKey.ifPresent(key -> updateSidecar(key, locale, text));
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("itemId", itemId);
    answer.put("locale", locale);
    answer.put("text", text);
    answer.put("source", "merchant");
    return answer;
  }

  /**
   * The sidecar says the same as the row. Best effort: the row (and the manifest) already has it,
   * and a store that is away now does not undo the correction.
   */
  private void updateSidecar(String key, String locale, String text) {
    try {
      Optional<byte[]> bytes = store.get(key);
      if (bytes.isEmpty()) {
        return;
      }
      JsonNode root = Json.mapper().readTree(bytes.get());
      if (!(root instanceof ObjectNode sidecar)) {
        return;
      }
      ObjectNode alt =
          sidecar.get("altText") instanceof ObjectNode o ? o : sidecar.putObject("altText");
      alt.put(locale, text);
      ObjectNode checks =
          sidecar.get("altTextChecks") instanceof ObjectNode o
              ? o
              : sidecar.putObject("altTextChecks");
      ObjectNode entry = checks.putObject(locale);
      entry.put("text", text);
      entry.put("source", "merchant");
      store.put(
          key,
          Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(sidecar),
          "application/json");
    } catch (RuntimeException e) {
      log.warn("could not write the merchant's alt text into sidecar {}: {}", key, e.toString());
    }
  }
}
