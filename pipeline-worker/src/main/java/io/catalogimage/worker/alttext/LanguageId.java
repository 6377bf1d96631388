package io.catalogimage.worker.alttext;

import com.github.pemistahl.lingua.api.Language;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which language a short text is in, with Lingua (made for short texts: its n-gram models up to
 * five letters judge a 60-character alt text far better than profile-based detectors). A detector
 * only knows the languages it is built from, so one is used per candidate set: the languages an
 * item asked for plus a small configured base set (the likely wrong answers: English above all).
 * Whose models stay in memory, within a budget, is {@link LanguageModels}' business.
 */
public final class LanguageId {

  private final Set<Language> base;
  private final LanguageModels models;

  /**
   * @param baseTags languages every detector also considers (BCP 47 primary tags)
   */
  public LanguageId(Collection<String> baseTags, LanguageModels models) {
    this.models = models;
    EnumSet<Language> set = EnumSet.noneOf(Language.class);
    for (String tag : baseTags) {
      language(tag).ifPresent(set::add);
    }
    set.add(Language.ENGLISH);
    this.base = Set.copyOf(set);
  }

  /** Every language's models kept once used: for tests of the checks alone. */
  public LanguageId(Collection<String> baseTags) {
    this(baseTags, LanguageModels.unbounded());
  }

  /**
   * The Lingua language of a BCP 47 tag's primary subtag ({@code pt-BR} -> Portuguese, {@code nb}
   * -> Bokmal, {@code zh-Hant} -> Chinese); empty when Lingua does not know it.
   */
  public static Optional<Language> language(String tag) {
    if (tag == null || tag.isBlank()) {
      return Optional.empty();
    }
    String primary = tag.split("[-_]", 2)[0].toLowerCase(Locale.ROOT);
    for (Language l : Language.values()) {
      if (l == Language.UNKNOWN) {
        continue;
      }
      if ((primary.length() == 2 && l.getIsoCode639_1().name().equalsIgnoreCase(primary))
          || (primary.length() == 3 && l.getIsoCode639_3().name().equalsIgnoreCase(primary))) {
        return Optional.of(l);
      }
    }
    return Optional.empty();
  }

  /**
   * The language of {@code text} among the base set and {@code asked} (tags); UNKNOWN when Lingua
   * cannot tell.
   */
  public Language detect(String text, List<String> asked) {
    EnumSet<Language> candidates = EnumSet.copyOf(base);
    for (String tag : asked) {
      language(tag).ifPresent(candidates::add);
    }
    if (candidates.size() < 2) {
      candidates.add(Language.GERMAN); // Lingua needs two candidates at least
    }
    return models.detect(candidates, detector -> detector.detectLanguageOf(text));
  }
}
