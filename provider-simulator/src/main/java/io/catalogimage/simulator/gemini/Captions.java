package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.fault.FaultPlanner;
import io.catalogimage.simulator.http.Json;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ObjectNode;

/**
 * The text part of a successful response, following the convention agreed with the pipeline.
 *
 * <p>The prompt is the product prompt, a blank line, then an instruction. When the instruction
 * contains "alt text in each of these locales: en, de" (case-insensitive, comma-separated tags),
 * the text part is exactly one JSON object {@code {"caption": ..., "altText": {"en": ..., "de":
 * ...}}}; otherwise it is the sentence "Here is the image: <subject>". The subject is the product
 * prompt (text before the first blank line) without trigger words, whitespace collapsed.
 */
final class Captions {
  private static final Pattern LOCALES =
      Pattern.compile(
          "(?i)alt text in each of these locales\\s*:\\s*([A-Za-z0-9_-]+(?:\\s*,\\s*[A-Za-z0-9_-]+)*)");
  private static final Pattern BLANK_LINE = Pattern.compile("\\R[ \\t]*\\R");
  private static final int MAX_SUBJECT = 300;

  private Captions() {}

  static String textPart(String prompt) {
    String subject = subject(prompt);
    Optional<List<String>> locales = locales(prompt);
    if (locales.isEmpty()) {
      return "Here is the image: " + subject;
    }
    ObjectNode root = Json.object();
    root.put("caption", subject);
    ObjectNode alt = root.putObject("altText");
    for (String tag : locales.get()) {
      alt.put(tag, altText(tag, subject));
    }
    return Json.MAPPER.writeValueAsString(root);
  }

  static String subject(String prompt) {
    String product = BLANK_LINE.split(prompt, 2)[0];
    String s = FaultPlanner.withoutTriggers(product).replaceAll("\\s+", " ").trim();
    if (s.isEmpty()) {
      return "the product";
    }
    return s.length() > MAX_SUBJECT ? s.substring(0, MAX_SUBJECT).trim() : s;
  }

  static Optional<List<String>> locales(String prompt) {
    Matcher m = LOCALES.matcher(prompt);
    if (!m.find()) {
      return Optional.empty();
    }
    LinkedHashSet<String> tags = new LinkedHashSet<>();
    for (String t : m.group(1).split(",")) {
      if (!t.isBlank()) {
        tags.add(t.trim());
      }
    }
    return Optional.of(new ArrayList<>(tags));
  }

  static String altText(String tag, String subject) {
    String language = tag.split("[-_]", 2)[0].toLowerCase(Locale.ROOT);
    return switch (language) {
      case "en" -> "Product photo: " + subject;
      case "de" -> "Produktfoto: " + subject;
      case "fr" -> "Photo du produit : " + subject;
      case "es" -> "Foto del producto: " + subject;
      case "ja" -> "商品写真: " + subject;
      default -> "[" + tag + "] Product photo: " + subject;
    };
  }
}
