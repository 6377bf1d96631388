package io.catalogimage.worker.alttext;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Alt text and captions: the checks every locale's text must pass, and the vision models that write
 * it again from the final image when it does not.
 *
 * @param maxLength longest alt text, in characters (default 125: what screen readers and most
 *     marketplaces expect)
 * @param minLength shortest alt text (default 5)
 * @param captionMaxLength longest caption (default 300)
 * @param languages languages every language check also considers besides the ones asked for, as BCP
 *     47 tags (default en; English is always one): the likely wrong answers. Each costs memory once
 *     used; a language check of a tag the detector does not know is recorded as skipped
 * @param captionModels tier -> vision models, in the order tried, that caption the final image when
 *     the image model's text is missing or fails a check (default every tier: {@code
 *     gemini-2.5-flash}); an empty list turns captioning off for the tier
 * @param captionTries calls to caption models for one image before its texts are left as they are
 *     (default 4: at a 20% rate of wrong answers, 3 left 0.7% of items with a failing locale)
 * @param captionPrices model -> USD per 1M input and output tokens, {@code [in, out]} (defaults:
 *     gemini-2.5-flash 0.30 / 2.50, gemini-2.5-flash-lite 0.10 / 0.40, gpt-4.1-mini 0.40 / 1.60,
 *     gpt-4o-mini 0.15 / 0.60)
 * @param languageModelMemory heap the language detector's full models may take (default a quarter
 *     of the maximum heap: 128MB at -Xmx512m, four or five European languages; each takes 20-53
 *     MB); checks whose languages do not fit use trigram models only (LanguageModels)
 * @param languageModelIdle a language whose full models were not used this long may be unloaded to
 *     make room for another (default 10m)
 */
@ConfigurationProperties("pipeline.alt-text")
public record AltTextProperties(
    Integer maxLength,
    Integer minLength,
    Integer captionMaxLength,
    List<String> languages,
    Map<String, List<String>> captionModels,
    Integer captionTries,
    Map<String, List<Double>> captionPrices,
    DataSize languageModelMemory,
    Duration languageModelIdle) {

  public static final String DEFAULT_CAPTION_MODEL = "gemini-2.5-flash";

  public AltTextProperties {
    maxLength = maxLength == null ? 125 : maxLength;
    minLength = minLength == null ? 5 : minLength;
    captionMaxLength = captionMaxLength == null ? 300 : captionMaxLength;
    languages = languages == null ? List.of("en") : List.copyOf(languages);
    captionModels = captionModels == null ? Map.of() : Map.copyOf(captionModels);
    captionTries = captionTries == null ? 4 : captionTries;
    captionPrices =
        captionPrices == null
            ? Map.of(
                DEFAULT_CAPTION_MODEL,
                List.of(0.30, 2.50),
                "gemini-2.5-flash-lite",
                List.of(0.10, 0.40),
                "gpt-4.1-mini",
                List.of(0.40, 1.60),
                "gpt-4o-mini",
                List.of(0.15, 0.60))
            : Map.copyOf(captionPrices);
    languageModelMemory =
        languageModelMemory == null
            ? DataSize.ofBytes(Runtime.getRuntime().maxMemory() / 4)
            : languageModelMemory;
    languageModelIdle = languageModelIdle == null ? Duration.ofMinutes(10) : languageModelIdle;
    if (languageModelMemory.isNegative() || languageModelIdle.isNegative()) {
      throw new IllegalArgumentException(
          "pipeline.alt-text: language-model-memory and language-model-idle must not be negative");
    }
    if (minLength < 1 || maxLength < minLength || captionMaxLength < 1 || captionTries < 0) {
      throw new IllegalArgumentException(
          "pipeline.alt-text: need 1 <= min-length <= max-length, caption-max-length >= 1 and"
              + " caption-tries >= 0");
    }
  }

  public static AltTextProperties defaults() {
    return new AltTextProperties(null, null, null, null, null, null, null, null, null);
  }

  /** The caption models of a tier: its own list, else the {@code default} entry, else Flash. */
  public List<String> captionModelsFor(String tier) {
    List<String> own = captionModels.get(tier);
    if (own != null) {
      return own;
    }
    return captionModels.getOrDefault("default", List.of(DEFAULT_CAPTION_MODEL));
  }
}
