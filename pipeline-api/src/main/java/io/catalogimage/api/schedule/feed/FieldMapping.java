package io.catalogimage.api.schedule.feed;

import io.catalogimage.api.intake.FeedIntake;
import io.catalogimage.common.batch.ReferenceImageSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which source column (or XML element, or JSON key) feeds each of our fields: the format's
 * defaults, overridden per schedule ({@code "fieldMapping": {"sku": "product_id"}}). Every other
 * column is an attribute a prompt template can read as {@code {{attributes.<name>}}}.
 */
public final class FieldMapping {

  /** Our fields a mapping may name. */
  public static final List<String> FIELDS =
      List.of("sku", "title", "description", "referenceImageUrl", "referenceImageKey");

  private final Map<String, String> sourceOf;
  private final Set<String> mapped;

  private FieldMapping(Map<String, String> sourceOf) {
    this.sourceOf = Map.copyOf(sourceOf);
    this.mapped = Set.copyOf(sourceOf.values());
  }

  /**
   * @param defaults the format's own names
   * @param overrides the schedule's, by our field name; a blank value unmaps the field
   */
  static FieldMapping of(Map<String, String> defaults, Map<String, String> overrides) {
    Map<String, String> out = new LinkedHashMap<>(defaults);
    if (overrides != null) {
      overrides.forEach(
          (field, source) -> {
            if (source == null || source.isBlank()) {
              out.remove(field);
            } else {
              out.put(field, source);
            }
          });
    }
    return new FieldMapping(out);
  }

  /** A product from one record (source name -> value, in column order; empty values skipped). */
  FeedIntake.Row row(Map<String, String> record, java.util.function.UnaryOperator<String> name) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : record.entrySet()) {
      String value = e.getValue();
      if (value == null || value.isEmpty() || mapped.contains(e.getKey())) {
        continue;
      }
      String attribute = name.apply(e.getKey());
      if (!attribute.isEmpty()) {
        attributes.putIfAbsent(attribute, value);
      }
    }
    String url = value(record, "referenceImageUrl");
    String key = value(record, "referenceImageKey");
    return new FeedIntake.Row(
        value(record, "sku"),
        value(record, "title"),
        value(record, "description"),
        attributes,
        url == null && key == null ? null : new ReferenceImageSource(url, key));
  }

  /** The source name of one of our fields, or null when nothing maps to it. */
  public String source(String field) {
    return sourceOf.get(field);
  }

  String value(Map<String, String> record, String field) {
    String source = sourceOf.get(field);
    if (source == null) {
      return null;
    }
    String value = record.get(source);
    return value == null || value.isEmpty() ? null : value;
  }
}
