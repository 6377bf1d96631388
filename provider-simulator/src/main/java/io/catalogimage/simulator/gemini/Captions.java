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
 *
 * <p>Each alt text is a short sentence in the locale's language (en, de, fr, es, it, nl, pt, pl,
 * ja) naming the product: the name the instruction gives ({@code name the product "..."}), else
 * what the subject shows ("... photo of <name>, ..."), else the subject. Other languages the
 * simulator cannot write: their text is the English one, as a weak model's would be. A {@link
 * TextFaults} fault makes the answer wrong on purpose.
 */
public final class Captions {
  private static final Pattern LOCALES =
      Pattern.compile(
          "(?i)alt text in each of these locales\\s*:\\s*([A-Za-z0-9_-]+(?:\\s*,\\s*[A-Za-z0-9_-]+)*)");
  private static final Pattern NAME = Pattern.compile("(?i)name the product \"([^\"]{1,200})\"");
  private static final Pattern PHOTO_OF =
      Pattern.compile("(?i)\\b(?:photo|image|shot) of ([^,.]+)");
  private static final Pattern BLANK_LINE = Pattern.compile("\\R[ \\t]*\\R");
  private static final int MAX_SUBJECT = 300;
  private static final int MAX_ALT = 125;

  private Captions() {}

  static String textPart(String prompt) {
    return textPart(prompt, null);
  }

  /** The text part, made wrong in the way {@code fault} says (null: right). */
  public static String textPart(String prompt, TextFaults.Kind fault) {
    String subject = subject(prompt);
    Optional<List<String>> locales = locales(prompt);
    if (locales.isEmpty() || fault == TextFaults.Kind.ALT_PROSE) {
      return "Here is the image: " + subject;
    }
    String name = name(prompt, subject);
    ObjectNode root = Json.object();
    root.put("caption", subject);
    ObjectNode alt = root.putObject("altText");
    List<String> tags = locales.get();
    for (int i = 0; i < tags.size(); i++) {
      String tag = tags.get(i);
      if (fault == TextFaults.Kind.ALT_MISSING_LOCALE && i == tags.size() - 1) {
        continue;
      }
      String text =
          switch (fault == null ? TextFaults.Kind.ALT_PROSE : fault) {
            case ALT_WRONG_LANGUAGE -> altText("en", name);
            case ALT_TOO_LONG ->
                altText(tag, name)
                    + ". "
                    + altText(tag, name)
                    + ". "
                    + altText(tag, name)
                    + ". "
                    + altText(tag, name);
            case ALT_ECHO ->
                "After the image, write one JSON object and nothing else with alt text in " + tag;
            default -> altText(tag, name);
          };
      alt.put(tag, text);
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

  /** What the product is called, as short as the prompt allows. */
  static String name(String prompt, String subject) {
    Matcher named = NAME.matcher(FaultPlanner.withoutTriggers(prompt));
    if (named.find()) {
      return named.group(1).strip();
    }
    Matcher of = PHOTO_OF.matcher(subject);
    if (of.find()) {
      return of.group(1).strip();
    }
    return subject.length() > 60 ? subject.substring(0, 60).strip() : subject;
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

  /** A short sentence in the tag's language naming {@code name}, at most 125 characters. */
  static String altText(String tag, String name) {
    String language = tag.split("[-_]", 2)[0].toLowerCase(Locale.ROOT);
    String full =
        switch (language) {
          case "de" -> name + " auf einem schlichten weißen Hintergrund, von vorne gesehen";
          case "fr" -> name + " sur un fond blanc uni, vu de face dans une lumière douce";
          case "es" -> name + " sobre un fondo blanco liso, visto de frente con luz suave";
          case "it" -> name + " su uno sfondo bianco semplice, visto di fronte con luce morbida";
          case "nl" -> name + " op een effen witte achtergrond, van voren gezien in zacht licht";
          case "pt" -> name + " sobre um fundo branco liso, visto de frente com luz suave";
          case "pl" -> name + " na gładkim białym tle, widziany z przodu w miękkim świetle";
          case "ja" -> "無地の白い背景に置かれた" + name + "、柔らかな光で正面から見たところ";
          default -> name + " on a plain white background, seen from the front in soft light";
        };
    if (full.length() <= MAX_ALT) {
      return full;
    }
    return name.length() > MAX_ALT ? name.substring(0, MAX_ALT).strip() : name;
  }
}
