package io.catalogimage.api.schedule.feed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Our NDJSON: one product object per line, as in an upload ({@code sku}, {@code title}, {@code
 * description}, {@code attributes}, {@code referenceImage}); other top-level fields of a merchant's
 * export are attributes too, and a field mapping renames any of them.
 */
final class NdjsonFeed {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private NdjsonFeed() {}

  static void read(InputStream in, FieldMapping mapping, FeedRows rows) throws IOException {
    long line = 0;
    try (BufferedReader reader = new BufferedReader(Utf8.reader(in), 1 << 16)) {
      for (String text; (text = reader.readLine()) != null; ) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(text);
        } catch (JacksonException e) {
          rows.unreadable(line, null, "item", "is not JSON: " + firstLine(e.getOriginalMessage()));
          continue;
        }
        if (node == null || !node.isObject()) {
          rows.unreadable(line, null, "item", "the line must be a JSON object");
          continue;
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          flatten(field.getKey(), field.getValue(), values);
        }
        rows.row(line, mapping.row(values, FeedFormat::ownAttribute));
      }
    } catch (CharacterCodingException e) {
      throw new FeedUnreadable(line + 1, "the feed is not UTF-8 text");
    }
  }

  /** {@code attributes.color}, {@code referenceImage.url} -> our column names; scalars as text. */
  private static void flatten(String name, JsonNode value, Map<String, String> out) {
    if (value.isObject()) {
      for (Map.Entry<String, JsonNode> inner : value.properties()) {
        String key =
            name.equals("referenceImage")
                ? inner.getKey().equals("url") ? "referenceImageUrl" : "referenceImageKey"
                : name + "." + inner.getKey();
        flatten(key, inner.getValue(), out);
      }
    } else if (value.isValueNode() && !value.isNull()) {
      out.put(name, value.asString());
    } else if (value.isArray()) {
      StringBuilder joined = new StringBuilder();
      for (JsonNode element : value) {
        if (element.isValueNode() && !element.isNull()) {
          joined.append(joined.isEmpty() ? "" : ", ").append(element.asString());
        }
      }
      out.put(name, joined.toString());
    }
  }

  private static String firstLine(String message) {
    String m = String.valueOf(message);
    int newline = m.indexOf('\n');
    return newline > 0 ? m.substring(0, newline) : m;
  }
}
