package io.catalogimage.worker.result;

import io.catalogimage.common.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The caption and alt text the model wrote in its text part, asked for as one JSON object (see
 * PromptComposer). Models sometimes wrap it in prose or code fences, so the outermost braces are
 * taken; what cannot be found is reported as a warning, not invented.
 */
public record AltText(String caption, Map<String, String> byLocale, List<String> warnings) {

  public static AltText parse(String text, List<String> locales) {
    List<String> warnings = new ArrayList<>();
    Map<String, String> byLocale = new LinkedHashMap<>();
    String caption = null;
    JsonNode root = null;
    if (text != null) {
      int open = text.indexOf('{');
      int close = text.lastIndexOf('}');
      if (open >= 0 && close > open) {
        try {
          root = Json.mapper().readTree(text.substring(open, close + 1));
        } catch (JacksonException e) {
          warnings.add("the text part is not valid JSON: " + e.getOriginalMessage());
        }
      }
    }
    if (root != null) {
      JsonNode c = root.path("caption");
      caption = c.isString() ? c.asString() : null;
      JsonNode alt = root.path("altText");
      for (String locale : locales) {
        JsonNode v = alt.path(locale);
        if (v.isString() && !v.asString().isBlank()) {
          byLocale.put(locale, v.asString());
        }
      }
    } else if (text != null && !text.isBlank() && caption == null) {
      caption = text.strip();
    }
    for (String locale : locales) {
      if (!byLocale.containsKey(locale)) {
        warnings.add("no alt text for locale " + locale);
      }
    }
    return new AltText(caption, byLocale, List.copyOf(warnings));
  }
}
