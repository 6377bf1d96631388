package io.catalogimage.api.edit;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.id.ItemId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Reads bulk edit bodies strictly: an unknown or mistyped field is a problem naming it. */
final class EditBodies {

  private EditBodies() {}

  static void only(JsonNode node, String at, String... fields) {
    Set<String> allowed = Set.of(fields);
    for (String name : node.propertyNames()) {
      if (!allowed.contains(name)) {
        throw ApiProblem.invalidParameter(
            at + name, "is not a field here; use " + String.join(", ", fields));
      }
    }
  }

  static List<QueueEdits.Entry> entries(JsonNode list, int max) {
    if (!list.isArray() || list.isEmpty()) {
      throw ApiProblem.invalidParameter("edits", "must be a non-empty list");
    }
    if (list.size() > max) {
      throw ApiProblem.invalidParameter(
          "edits", "has " + list.size() + " entries; at most " + max + " per request");
    }
    List<QueueEdits.Entry> entries = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "edits[" + i + "].";
      JsonNode e = list.get(i);
      if (!e.isObject()) {
        throw ApiProblem.invalidParameter("edits[" + i + "]", "must be an object");
      }
      only(e, at, "itemId", "sku", "variant", "instruction");
      String instruction = QueueEdits.instruction(text(e, at, "instruction"), at + "instruction");
      String itemId = text(e, at, "itemId");
      String sku = text(e, at, "sku");
      if ((itemId == null) == (sku == null)) {
        throw ApiProblem.invalidParameter(at + "itemId", "give either itemId or sku");
      }
      ItemId item = null;
      if (itemId != null) {
        try {
          item = ItemId.of(itemId);
        } catch (IllegalArgumentException ex) {
          throw ApiProblem.invalidParameter(at + "itemId", "is not an item id");
        }
      }
      entries.add(new QueueEdits.Entry(item, sku, text(e, at, "variant"), instruction));
    }
    return entries;
  }

  static Conversations.EditFilter filter(JsonNode f) {
    if (f == null || f.isNull()) {
      return new Conversations.EditFilter(null, null, List.of(), false);
    }
    if (!f.isObject()) {
      throw ApiProblem.invalidParameter("filter", "must be an object");
    }
    only(f, "filter.", "variant", "model", "skus", "blockedThenRerouted");
    List<String> skus = new ArrayList<>();
    JsonNode list = f.get("skus");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw ApiProblem.invalidParameter("filter.skus", "must be a list of SKUs");
      }
      for (JsonNode s : list) {
        if (!s.isString()) {
          throw ApiProblem.invalidParameter("filter.skus", "must be a list of SKUs");
        }
        skus.add(s.asString());
      }
    }
    JsonNode rerouted = f.get("blockedThenRerouted");
    if (rerouted != null && !rerouted.isBoolean() && !rerouted.isNull()) {
      throw ApiProblem.invalidParameter("filter.blockedThenRerouted", "must be true or false");
    }
    return new Conversations.EditFilter(
        text(f, "filter.", "variant"),
        text(f, "filter.", "model"),
        skus,
        rerouted != null && rerouted.asBoolean(false));
  }

  private static String text(JsonNode node, String at, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isString()) {
      throw ApiProblem.invalidParameter(at + field, "must be a string");
    }
    return v.asString();
  }
}
