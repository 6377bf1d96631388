package io.catalogimage.api.intake;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.common.batch.GenerationSettings;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The query parameters of an NDJSON or CSV upload: the batch's options. A parameter the upload does
 * not know (a typo such as {@code costcapUsd}) or an option given twice is refused, as an unknown
 * field of a JSON body is, rather than ignored. Their canonical form (sorted by name) is part of
 * what an {@code Idempotency-Key} covers.
 */
final class UploadOptions {

  /** Options that take one value; {@code variant} may repeat. */
  static final Set<String> SINGLE =
      Set.of(
          "name",
          "tier",
          "lane",
          "altTextLocales",
          "promptTemplate",
          "styleGuide",
          "deadline",
          "startAfter",
          "costCapUsd",
          "allowSafetyReroute",
          "callbackUrl",
          "variantPreset",
          "generation.thinkingLevel",
          "generation.includeThoughts",
          "generation.googleSearch",
          "generation.outputFormat",
          "generation.quality",
          "generation.personGeneration");

  static final String VARIANT = "variant";

  private UploadOptions() {}

  /** A JSON submission carries its options in the body: a query parameter would be ignored. */
  static void none(Map<String, String[]> parameters) {
    if (!parameters.isEmpty()) {
      String name = new TreeSet<>(parameters.keySet()).first();
      throw ApiProblem.invalidParameter(
          name, "is a query parameter; a JSON submission gives its options in the body");
    }
  }

  /**
   * The model settings of an upload, named as the JSON body's {@code generation} fields and as the
   * problems that refuse them ({@code generation.thinkingLevel=high}); null when none is given.
   */
  static GenerationSettings generation(Map<String, String[]> parameters) {
    String thinkingLevel = single(parameters, "generation.thinkingLevel");
    Boolean includeThoughts = bool(parameters, "generation.includeThoughts");
    Boolean googleSearch = bool(parameters, "generation.googleSearch");
    String outputFormat = single(parameters, "generation.outputFormat");
    String quality = single(parameters, "generation.quality");
    String personGeneration = single(parameters, "generation.personGeneration");
    GenerationSettings settings =
        new GenerationSettings(
            thinkingLevel, includeThoughts, googleSearch, outputFormat, quality, personGeneration);
    return settings.noneGiven() ? null : settings;
  }

  private static String single(Map<String, String[]> parameters, String name) {
    String[] values = parameters.get(name);
    return values == null || values.length == 0 ? null : values[0];
  }

  /**
   * true or false, as a JSON body takes them: "yes" or "1" is refused rather than read as false.
   */
  private static Boolean bool(Map<String, String[]> parameters, String name) {
    return bool(name, single(parameters, name));
  }

  /** As {@link #bool(Map, String)}, for a value already read. */
  static Boolean bool(String name, String value) {
    if (value == null) {
      return null;
    }
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw ApiProblem.invalidParameter(name, "'" + value + "' is not true or false");
    };
  }

  /** Checks the parameters and gives them in one order, values of a repeated one in theirs. */
  static String canonical(Map<String, String[]> parameters) {
    StringBuilder out = new StringBuilder();
    for (var p : new TreeMap<>(parameters).entrySet()) {
      String name = p.getKey();
      if (!SINGLE.contains(name) && !name.equals(VARIANT)) {
        throw ApiProblem.invalidParameter(
            name,
            "is not an option of an upload; the options are "
                + new TreeSet<>(SINGLE)
                + " and variant");
      }
      if (SINGLE.contains(name) && p.getValue().length > 1) {
        throw ApiProblem.invalidParameter(
            name, "is given " + p.getValue().length + " times; give it once");
      }
      for (String value : p.getValue()) {
        out.append(name).append('=').append(value.length()).append(':').append(value).append('\n');
      }
    }
    return out.toString();
  }
}
