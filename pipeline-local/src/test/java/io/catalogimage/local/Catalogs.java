package io.catalogimage.local;

import java.nio.charset.StandardCharsets;
import java.util.StringJoiner;

/** Catalog submissions for tests: n products in listing (1:1, 1K) and banner (4:1, 2K). */
final class Catalogs {

  private Catalogs() {}

  static byte[] twoVariants(String name, int products, String... locales) {
    StringJoiner items = new StringJoiner(",\n");
    for (int i = 0; i < products; i++) {
      items.add(
          "{\"sku\": \"SKU-%04d\", \"title\": \"Product %d\", \"description\": \"A test product\", \"attributes\": {\"color\": \"color %d\"}}"
              .formatted(i, i, i));
    }
    StringJoiner localeList = new StringJoiner(", ");
    for (String l : locales) {
      localeList.add("\"" + l + "\"");
    }
    return """
        {"name": "%s", "tier": "fast",
         "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"},
                      {"name": "banner", "aspectRatio": "4:1", "size": "2K"}],
         "altTextLocales": [%s],
         "promptTemplate": "Studio product photo of {{title}} in {{attributes.color}}, white background",
         "items": [%s]}
        """
        .formatted(name, localeList, items)
        .getBytes(StandardCharsets.UTF_8);
  }
}
