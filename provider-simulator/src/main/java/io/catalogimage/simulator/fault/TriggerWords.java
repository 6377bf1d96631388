package io.catalogimage.simulator.fault;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses trigger words: {@code [sim:KIND]}, {@code [sim:KIND:N]} (only the first N calls of this
 * model + prompt), {@code [sim:KIND@model]} (only on that model), in any combination such as {@code
 * [sim:HTTP_503:2@gemini-3-pro-image]}. {@code [sim:SUCCESS]} forces success.
 */
final class TriggerWords {
  static final Pattern TOKEN =
      Pattern.compile("\\[sim:([A-Za-z0-9_]+)((?::\\d+|@[A-Za-z0-9._\\-]+)*)\\]");
  private static final Pattern SUFFIX = Pattern.compile(":(\\d+)|@([A-Za-z0-9._\\-]+)");

  /**
   * One trigger.
   *
   * @param kind the forced fault; empty = forced success
   * @param firstCalls only this many calls get it (null = every call)
   * @param model only calls to this model (null = any)
   */
  record Trigger(Optional<FaultKind> kind, Long firstCalls, String model) {}

  private TriggerWords() {}

  static List<Trigger> parse(String prompt) {
    if (prompt.indexOf("[sim:") < 0) {
      return List.of();
    }
    List<Trigger> out = new ArrayList<>();
    Matcher m = TOKEN.matcher(prompt);
    while (m.find()) {
      String name = m.group(1);
      Optional<FaultKind> kind = FaultKind.parse(name);
      boolean success = name.equalsIgnoreCase("SUCCESS");
      if (kind.isEmpty() && !success) {
        continue; // unknown kinds are plain text, as a real model would treat them
      }
      Long first = null;
      String model = null;
      Matcher s = SUFFIX.matcher(m.group(2));
      while (s.find()) {
        if (s.group(1) != null) {
          first = Long.parseLong(s.group(1));
        } else {
          model = s.group(2);
        }
      }
      out.add(new Trigger(kind, first, model));
    }
    return out;
  }

  /** The prompt without its trigger words (what the "model" should describe). */
  static String strip(String prompt) {
    return prompt.indexOf("[sim:") < 0 ? prompt : TOKEN.matcher(prompt).replaceAll("");
  }
}
