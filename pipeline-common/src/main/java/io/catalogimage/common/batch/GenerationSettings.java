package io.catalogimage.common.batch;

import io.catalogimage.common.model.ImageModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Model settings a batch passes through to every call of its items (null fields are not sent and
 * the model's defaults apply). Each is validated against every model of the batch's tier, since an
 * item may be routed to any of them: a setting a model does not take is refused at intake rather
 * than dropped silently.
 *
 * @param thinkingLevel Gemini 3.x: {@code minimal}, {@code low}, {@code medium} or {@code high}
 * @param includeThoughts Gemini 3.x: whether thought parts come back (never replayed or stored)
 * @param googleSearch Gemini 3.x: ground the image with Google Search
 * @param outputFormat OpenAI: {@code png} or {@code jpeg} (stored as {@code .jpg}); OpenAI's {@code
 *     webp} is refused: the pipeline checks every image's size and reads PNG and JPEG only
 * @param quality OpenAI: {@code low}, {@code medium}, {@code high} or {@code auto} (overrides the
 *     endpoint's {@code image-quality})
 * @param personGeneration Vertex AI only ({@code imageConfig.personGeneration}); the Gemini
 *     Developer API and OpenAI refuse it, so no model of the default catalog takes it
 */
public record GenerationSettings(
    String thinkingLevel,
    Boolean includeThoughts,
    Boolean googleSearch,
    String outputFormat,
    String quality,
    String personGeneration) {

  public static final Set<String> THINKING_LEVELS = Set.of("minimal", "low", "medium", "high");
  public static final Set<String> OUTPUT_FORMATS = Set.of("png", "jpeg");
  public static final Set<String> QUALITIES = Set.of("low", "medium", "high", "auto");

  public static final GenerationSettings NONE =
      new GenerationSettings(null, null, null, null, null, null);

  /** These settings, with {@code over}'s non-null fields in their place (a batch over its tier). */
  public GenerationSettings overriddenBy(GenerationSettings over) {
    if (over == null) {
      return this;
    }
    return new GenerationSettings(
        over.thinkingLevel != null ? over.thinkingLevel : thinkingLevel,
        over.includeThoughts != null ? over.includeThoughts : includeThoughts,
        over.googleSearch != null ? over.googleSearch : googleSearch,
        over.outputFormat != null ? over.outputFormat : outputFormat,
        over.quality != null ? over.quality : quality,
        over.personGeneration != null ? over.personGeneration : personGeneration);
  }

  /** True when no setting is given. */
  public boolean noneGiven() {
    return equals(NONE);
  }

  /** Values outside a setting's allowed set, as "field: why", in field order. */
  public List<String> invalidValues() {
    List<String> problems = new ArrayList<>();
    if (thinkingLevel != null && !THINKING_LEVELS.contains(thinkingLevel)) {
      problems.add("thinkingLevel: must be one of minimal, low, medium, high");
    }
    if (outputFormat != null && !OUTPUT_FORMATS.contains(outputFormat)) {
      problems.add(
          "outputFormat: must be png or jpeg (webp is not taken: the pipeline checks every"
              + " image's size and reads PNG and JPEG only)");
    }
    if (quality != null && !QUALITIES.contains(quality)) {
      problems.add("quality: must be one of low, medium, high, auto");
    }
    if (personGeneration != null && personGeneration.isBlank()) {
      problems.add("personGeneration: must not be blank");
    }
    return problems;
  }

  /** The settings given that {@code model} does not take, by field name. */
  public List<String> unsupportedBy(ImageModel model) {
    boolean gemini3 = model.family().equals("gemini") && model.id().startsWith("gemini-3");
    boolean openai = model.family().equals("openai");
    List<String> unsupported = new ArrayList<>();
    if (thinkingLevel != null && !gemini3) {
      unsupported.add("thinkingLevel");
    }
    if (includeThoughts != null && !gemini3) {
      unsupported.add("includeThoughts");
    }
    if (Boolean.TRUE.equals(googleSearch) && !gemini3) {
      unsupported.add("googleSearch");
    }
    if (outputFormat != null && !openai) {
      unsupported.add("outputFormat");
    }
    if (quality != null && !openai) {
      unsupported.add("quality");
    }
    if (personGeneration != null) {
      unsupported.add("personGeneration");
    }
    return unsupported;
  }
}
