package io.catalogimage.worker.alttext;

import com.github.pemistahl.lingua.api.Language;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks of one locale's alt text: present; in the language its BCP 47 tag names; within the
 * length bounds; no boilerplate ("image of", "Bild von", "の画像"...); no leak of our own prompt or
 * instructions; names the product (a key term of its title, or its category). Pure: no I/O besides
 * the language detector's lazily loaded models.
 */
public final class TextChecks {

  /**
   * "Image of" and its kin, in the languages the pipeline's users write in: said to a screen reader
   * user, who already knows it is an image, they are noise, and marketplaces flag them.
   */
  private static final Pattern BOILERPLATE =
      Pattern.compile(
          "(?iu)\\b(image|picture|photo|photograph|pic) (of|showing)\\b|\\b(an?|this) (image|picture)\\b"
              + "|\\b(bild|foto|abbildung|aufnahme) (von|eines|einer|zeigt)\\b|\\b(ein|dieses) bild\\b"
              + "|\\b(image|photo|photographie) (de|d'|du|des|montrant)|\\b(une|cette) image\\b"
              + "|\\b(imagen|foto|fotografía) (de|del|que muestra)\\b|\\b(una|esta) imagen\\b"
              + "|\\b(immagine|foto) (di|del|della)\\b|\\b(afbeelding|foto) van\\b"
              + "|\\b(imagem|foto) (de|do|da)\\b"
              + "|の(画像|写真|イメージ)|(画像|写真)(です|：|:)|的(图片|照片|图像)|(图片|照片)(：|:)"
              + "|의 (이미지|사진)|^\\s*(alt[- ]?text|caption)\\s*:");

  /**
   * Fragments of our own instructions (PromptComposer's and the caption prompt's): a text that
   * carries one is the model repeating what it was told, not describing the image.
   */
  private static final List<String> INSTRUCTION_MARKERS =
      List.of(
          "json object",
          "alt text in",
          "alttext",
          "each of these locales",
          "brand style guide",
          "write one",
          "nothing else",
          "<alt text",
          "<one sentence",
          "describe the image",
          "{",
          "}");

  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

  private static final Set<String> STOPWORDS =
      Set.of(
          "the", "and", "for", "with", "from", "this", "that", "your", "our", "in", "of", "a", "an",
          "der", "die", "das", "und", "mit", "für", "les", "des", "avec", "pour", "los", "las",
          "con", "para", "del", "new", "set", "pack", "size");

  private final AltTextProperties props;
  private final LanguageId languages;

  public TextChecks(AltTextProperties props, LanguageId languages) {
    this.props = props;
    this.languages = languages;
  }

  /**
   * Checks {@code text} as the alt text for {@code locale}.
   *
   * @param asked every locale the item asked for (the language detector weighs them all)
   */
  public CheckedText check(
      String locale, String text, Source source, Product product, List<String> asked) {
    Map<String, String> checks = new LinkedHashMap<>();
    Map<String, String> problems = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      checks.put(Check.PRESENT.wire(), CheckedText.FAILED);
      problems.put(Check.PRESENT.wire(), "no alt text for " + locale);
      return new CheckedText(null, source.wire(), checks, problems);
    }
    String t = text.strip();
    checks.put(Check.PRESENT.wire(), CheckedText.PASSED);
    language(locale, t, asked, checks, problems);
    int length = t.codePointCount(0, t.length());
    if (length > props.maxLength() || length < props.minLength()) {
      fail(
          checks,
          problems,
          Check.LENGTH,
          length + " characters, outside " + props.minLength() + ".." + props.maxLength());
    } else {
      checks.put(Check.LENGTH.wire(), CheckedText.PASSED);
    }
    var boiler = BOILERPLATE.matcher(t);
    if (boiler.find()) {
      fail(checks, problems, Check.NO_BOILERPLATE, "says \"" + boiler.group() + "\"");
    } else {
      checks.put(Check.NO_BOILERPLATE.wire(), CheckedText.PASSED);
    }
    Optional<String> leak = leak(t, product);
    if (leak.isPresent()) {
      fail(checks, problems, Check.NO_PROMPT_LEAK, leak.get());
    } else {
      checks.put(Check.NO_PROMPT_LEAK.wire(), CheckedText.PASSED);
    }
    namesProduct(t, product, checks, problems);
    return new CheckedText(t, source.wire(), checks, problems);
  }

  private void language(
      String locale,
      String text,
      List<String> asked,
      Map<String, String> checks,
      Map<String, String> problems) {
    Optional<Language> expected = LanguageId.language(locale);
    if (expected.isEmpty()) {
      checks.put(Check.LANGUAGE.wire(), CheckedText.SKIPPED);
      problems.put(Check.LANGUAGE.wire(), "the language detector does not know " + locale);
      return;
    }
    Language found = languages.detect(text, asked);
    if (found == expected.get()) {
      checks.put(Check.LANGUAGE.wire(), CheckedText.PASSED);
    } else {
      fail(
          checks,
          problems,
          Check.LANGUAGE,
          "reads as "
              + (found == Language.UNKNOWN ? "no language it can tell" : name(found))
              + ", not "
              + name(expected.get())
              + " ("
              + locale
              + ")");
    }
  }

  private static String name(Language l) {
    String n = l.name().toLowerCase(Locale.ROOT);
    return Character.toUpperCase(n.charAt(0)) + n.substring(1);
  }

  /** Our own instruction words, or a long run of the product prompt beyond its title. */
  static Optional<String> leak(String text, Product product) {
    String lower = text.toLowerCase(Locale.ROOT);
    for (String marker : INSTRUCTION_MARKERS) {
      if (lower.contains(marker)) {
        return Optional.of("repeats our instructions (\"" + marker + "\")");
      }
    }
    if (product.prompt() != null) {
      // the prompt's template words (everything but the title) copied verbatim, 40+ characters
      String prompt = product.prompt().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip();
      String flat = lower.replaceAll("\\s+", " ");
      String title =
          product.title() == null ? "" : product.title().toLowerCase(Locale.ROOT).strip();
      int window = 40;
      for (int i = 0; i + window <= prompt.length(); i += 10) {
        String piece = prompt.substring(i, i + window);
        if (!title.isEmpty() && (title.contains(piece) || piece.contains(title))) {
          continue;
        }
        if (flat.contains(piece)) {
          return Optional.of("repeats the prompt (\"" + piece.strip() + "\")");
        }
      }
    }
    return Optional.empty();
  }

  private static void namesProduct(
      String text, Product product, Map<String, String> checks, Map<String, String> problems) {
    Set<String> terms = keyTerms(product.title());
    if (product.category() != null) {
      terms.addAll(keyTerms(product.category()));
    }
    if (terms.isEmpty()) {
      checks.put(Check.NAMES_PRODUCT.wire(), CheckedText.SKIPPED);
      problems.put(Check.NAMES_PRODUCT.wire(), "the product has no title or category to look for");
      return;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    for (String term : terms) {
      // a 4-letter stem lets "Laufschuhe" match "Laufschuh", "shoes" match "shoe"
      String stem = term.length() > 5 ? term.substring(0, term.length() - 2) : term;
      if (lower.contains(stem)) {
        checks.put(Check.NAMES_PRODUCT.wire(), CheckedText.PASSED);
        return;
      }
    }
    if (!sameScript(text, product.title())) {
      // a Japanese text cannot be held to contain the words of a Latin-script title: that needs
      // a translation, which this check does not pretend to have
      checks.put(Check.NAMES_PRODUCT.wire(), CheckedText.SKIPPED);
      problems.put(
          Check.NAMES_PRODUCT.wire(), "written in another script than the title: not judged");
      return;
    }
    fail(
        checks,
        problems,
        Check.NAMES_PRODUCT,
        "names none of " + String.join(", ", terms) + " (title or category)");
  }

  static Set<String> keyTerms(String s) {
    Set<String> terms = new LinkedHashSet<>();
    if (s == null) {
      return terms;
    }
    var m = WORD.matcher(s.toLowerCase(Locale.ROOT));
    while (m.find()) {
      String w = m.group();
      if (w.length() >= 3 && !STOPWORDS.contains(w) && !w.chars().allMatch(Character::isDigit)) {
        terms.add(w);
      }
    }
    return terms;
  }

  /** Whether both texts are mostly Latin letters, or both mostly not. */
  private static boolean sameScript(String a, String b) {
    return b == null || latin(a) == latin(b);
  }

  private static boolean latin(String s) {
    long letters = s.codePoints().filter(Character::isLetter).count();
    long latin =
        s.codePoints()
            .filter(
                c ->
                    Character.isLetter(c)
                        && Character.UnicodeScript.of(c) == Character.UnicodeScript.LATIN)
            .count();
    return letters == 0 || latin * 2 >= letters;
  }

  private static void fail(
      Map<String, String> checks, Map<String, String> problems, Check check, String why) {
    checks.put(check.wire(), CheckedText.FAILED);
    problems.put(check.wire(), why);
  }
}
