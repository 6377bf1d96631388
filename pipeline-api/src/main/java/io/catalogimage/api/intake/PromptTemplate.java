package io.catalogimage.api.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A prompt with {@code {{field}}} placeholders over a product: {@code sku}, {@code title}, {@code
 * description} and {@code attributes.<name>}. A placeholder the product cannot fill is an error
 * naming it, never an empty string in a paid prompt.
 */
final class PromptTemplate {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}]*?)\\s*}}");
  private static final Pattern KNOWN =
      Pattern.compile("sku|title|description|attributes\\.[^\\s{}]+");

  private final String text;
  private final List<String> fields;

  private PromptTemplate(String text, List<String> fields) {
    this.text = text;
    this.fields = fields;
  }

  /** Parses the template; the error says which placeholder is unknown. */
  static PromptTemplate parse(String text) {
    List<String> fields = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      String field = m.group(1);
      if (!KNOWN.matcher(field).matches()) {
        throw new IllegalArgumentException(
            "unknown placeholder {{"
                + field
                + "}}: use {{sku}}, {{title}}, {{description}} or {{attributes.<name>}}");
      }
      fields.add(field);
    }
    return new PromptTemplate(text, List.copyOf(fields));
  }

  /** The placeholders this product cannot fill (missing or blank). */
  List<String> missingFields(Map<String, String> values) {
    return fields.stream()
        .filter(f -> Optional.ofNullable(values.get(f)).map(String::isBlank).orElse(true))
        .distinct()
        .toList();
  }

  String render(Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(values.get(m.group(1))));
    }
    m.appendTail(out);
    return out.toString();
  }
}
