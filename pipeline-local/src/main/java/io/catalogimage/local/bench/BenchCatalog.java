package io.catalogimage.local.bench;

import java.nio.charset.StandardCharsets;

/** Synthetic catalogs for the benchmarks: n products, one 1:1 1K variant, alt text in English. */
final class BenchCatalog {

  private BenchCatalog() {}

  static byte[] listingOnly(String name, int products, String tier) {
    return listingOnly(name, products, tier, "1K");
  }

  /** As above with the variant at {@code size} (1K, 2K, 4K). */
  static byte[] listingOnly(String name, int products, String tier, String size) {
    StringBuilder items = new StringBuilder();
    for (int i = 0; i < products; i++) {
      if (i > 0) {
        items.append(",\n");
      }
      items
          .append("{\"sku\": \"B-")
          .append(i)
          .append("\", \"title\": \"Benchmark product ")
          .append(i)
          .append("\", \"attributes\": {\"color\": \"shade ")
          .append(i % 97)
          .append("\"}}");
    }
    return ("{\"name\": \""
            + name
            + "\", \"tier\": \""
            + tier
            + "\","
            + " \"variants\": [{\"name\": \"listing\", \"aspectRatio\": \"1:1\", \"size\": \""
            + size
            + "\"}],"
            + " \"altTextLocales\": [\"en\"],"
            + " \"promptTemplate\": \"Studio product photo of {{title}} in {{attributes.color}}\","
            + " \"items\": ["
            + items
            + "]}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
