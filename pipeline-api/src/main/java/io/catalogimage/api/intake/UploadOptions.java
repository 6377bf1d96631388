package io.catalogimage.api.intake;

import io.catalogimage.api.problem.ApiProblem;
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
          "variantPreset");

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
