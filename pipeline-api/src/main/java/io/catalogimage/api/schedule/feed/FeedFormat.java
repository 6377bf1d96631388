package io.catalogimage.api.schedule.feed;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The feed formats a schedule reads, each streamed (memory holds one product at a time): ours (CSV
 * and NDJSON, as uploads), Google Merchant Center's product data (TSV, and RSS 2.0 / Atom XML with
 * the {@code g:} namespace) and Shopify's product CSV export.
 */
public enum FeedFormat {
  CSV("csv", Map.of()),
  NDJSON("ndjson", Map.of()),
  MERCHANT_CENTER_TSV("merchant-center-tsv", Map.of("sku", "id")),
  MERCHANT_CENTER_XML("merchant-center-xml", Map.of("sku", "id")),
  SHOPIFY_CSV("shopify-csv", Map.of("sku", "handle", "title", "title", "description", "body_html"));

  private final String id;
  private final Map<String, String> defaults;

  FeedFormat(String id, Map<String, String> defaults) {
    this.id = id;
    this.defaults = defaults;
  }

  public String id() {
    return id;
  }

  public static Optional<FeedFormat> byId(String id) {
    return Arrays.stream(values()).filter(f -> f.id.equalsIgnoreCase(id)).findFirst();
  }

  /** What the api says the formats are. */
  public static String ids() {
    return Arrays.stream(values()).map(FeedFormat::id).toList().toString();
  }

  /**
   * The mapping this format reads with.
   *
   * @param overrides the schedule's field mapping
   * @param imageLinkAsReference Merchant Center's {@code image_link} / Shopify's {@code Image Src}
   *     becomes the product's reference photo (otherwise it is an attribute like any other)
   */
  public FieldMapping mapping(Map<String, String> overrides, boolean imageLinkAsReference) {
    Map<String, String> base = new java.util.LinkedHashMap<>();
    for (String field : FieldMapping.FIELDS) {
      base.put(field, field);
    }
    if (this != CSV && this != NDJSON) {
      base.put("referenceImageKey", null);
      base.put("referenceImageUrl", null);
      if (imageLinkAsReference) {
        base.put("referenceImageUrl", this == SHOPIFY_CSV ? "image_src" : "image_link");
      }
    }
    base.putAll(defaults);
    base.values().removeIf(java.util.Objects::isNull);
    Map<String, String> own = overrides;
    if (overrides != null && normalisesNames()) {
      own = new java.util.LinkedHashMap<>();
      for (Map.Entry<String, String> e : overrides.entrySet()) {
        own.put(e.getKey(), e.getValue() == null ? null : normalise(e.getValue()));
      }
    }
    return FieldMapping.of(base, own);
  }

  /** Formats made for other systems: their column names are normalised (see {@link #normalise}). */
  boolean normalisesNames() {
    return this != CSV && this != NDJSON;
  }

  /** Reads every product of the feed into {@code rows}. */
  public void read(InputStream in, FieldMapping mapping, FeedRows rows) throws IOException {
    switch (this) {
      case CSV -> DelimitedFeed.read(in, ',', false, mapping, rows);
      case MERCHANT_CENTER_TSV -> DelimitedFeed.read(in, '\t', true, mapping, rows);
      case NDJSON -> NdjsonFeed.read(in, mapping, rows);
      case MERCHANT_CENTER_XML -> MerchantCenterXml.read(in, mapping, rows);
      case SHOPIFY_CSV -> ShopifyCsv.read(in, mapping, rows);
    }
  }

  /** An attribute's name from one of our columns: {@code attributes.color} is {@code color}. */
  static String ownAttribute(String column) {
    return column.startsWith("attributes.") ? column.substring(11) : column;
  }

  /**
   * Names of feeds made for other systems, as a template can write them: {@code Image Link} ->
   * {@code image_link}, {@code g:color} -> {@code color}, {@code Body (HTML)} -> {@code body_html}.
   */
  static String normalise(String name) {
    String n = name.strip().toLowerCase(Locale.ROOT);
    if (n.startsWith("g:")) {
      n = n.substring(2);
    }
    return n.replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
  }
}
