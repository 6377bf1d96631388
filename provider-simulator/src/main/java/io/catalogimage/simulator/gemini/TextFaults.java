package io.catalogimage.simulator.gemini;

import io.catalogimage.simulator.fault.Hashing;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Wrong alt text on purpose, for the pipeline's checks to catch: the answers a real model gives now
 * and then (an English text for {@code ja}, a paragraph where 125 characters were asked, a locale
 * left out, prose instead of the JSON asked for, our own instruction repeated back).
 *
 * <p>Forced by trigger words in the prompt, in the scheme of the other faults: {@code
 * [sim:ALT_TOO_LONG]} (every call), {@code [sim:ALT_TOO_LONG:2]} (the first 2 calls of this model
 * for this product: the prompt's first paragraph), {@code [sim:ALT_TOO_LONG@gemini-2.5-flash]}
 * (only that model), combinable. Else drawn at {@code gemini.altTextFaultRate} (deterministic from
 * the seed, the prompt and the call's occurrence), one of the five kinds.
 */
public final class TextFaults {

  /** The ways an answer goes wrong. */
  public enum Kind {
    ALT_WRONG_LANGUAGE,
    ALT_TOO_LONG,
    ALT_MISSING_LOCALE,
    ALT_PROSE,
    ALT_ECHO
  }

  private static final Pattern TOKEN =
      Pattern.compile("\\[sim:(ALT_[A-Z_]+)((?::\\d+|@[A-Za-z0-9._\\-]+)*)\\]");
  private static final Pattern SUFFIX = Pattern.compile(":(\\d+)|@([A-Za-z0-9._\\-]+)");

  private record Trigger(Kind kind, Long firstCalls, String model) {}

  private final Map<String, AtomicLong> occurrences = new ConcurrentHashMap<>();

  /** The fault for this call of {@code model} with {@code prompt}, if any; counts the call. */
  public Optional<Kind> choose(String model, String prompt, long seed, double rate) {
    // counted per product (the prompt's first paragraph): a caption asked again for fewer locales
    // is another prompt but the same product's next call
    String product = prompt.split("\\R[ \\t]*\\R", 2)[0];
    long occurrence =
        occurrences
            .computeIfAbsent(model + "\n" + product, k -> new AtomicLong())
            .incrementAndGet();
    for (Trigger t : parse(prompt)) {
      if (t.model() != null && !t.model().equals(model)) {
        continue;
      }
      if (t.firstCalls() != null && occurrence > t.firstCalls()) {
        continue;
      }
      return Optional.of(t.kind());
    }
    if (rate <= 0) {
      return Optional.empty();
    }
    long draw = Hashing.combine(seed, Hashing.of("alt-text"), Hashing.of(prompt), occurrence);
    if (Hashing.unit(draw) >= rate) {
      return Optional.empty();
    }
    Kind[] kinds = Kind.values();
    return Optional.of(kinds[(int) Math.floorMod(Hashing.mix(draw), (long) kinds.length)]);
  }

  private static List<Trigger> parse(String prompt) {
    List<Trigger> out = new ArrayList<>();
    if (prompt.indexOf("[sim:ALT_") < 0) {
      return out;
    }
    Matcher m = TOKEN.matcher(prompt);
    while (m.find()) {
      Kind kind;
      try {
        kind = Kind.valueOf(m.group(1).toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException unknown) {
        continue;
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
}
