package io.catalogimage.api.input;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one definition of how the api reads a JSON request body, and of how it says what is wrong
 * with one: Spring MVC's mapper, the batch submission's and the schedule's all read with it.
 *
 * <p>Strict, because each leniency let a client's mistake through as something else: an unknown
 * field was ignored, so a misspelt {@code {"costCapUSD": 50}} read as an absent field and removed a
 * batch's cap; a quoted {@code "50"} was coerced to a number and {@code "false"} to a boolean; text
 * after the object was dropped; of a field given twice the last was taken; a NUL or an unpaired
 * surrogate escape was stored altered.
 */
public final class StrictJson {

  private StrictJson() {}

  /** Applies the strict reading to a builder (Spring MVC's, or a new one). */
  public static JsonMapper.Builder configure(JsonMapper.Builder builder) {
    return builder
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .addModule(new StrictTextModule());
  }

  /** A mapper that reads strictly. */
  public static JsonMapper mapper() {
    return configure(JsonMapper.builder()).build();
  }

  /**
   * Where in the body: {@code items[3].attributes.color}, or null at the top. A required field that
   * is absent is named too (Jackson's path stops at the object that lacks it).
   */
  public static String field(JacksonException e) {
    String at = path(e);
    Matcher required = REQUIRED.matcher(String.valueOf(e.getOriginalMessage()));
    if (!required.find()) {
      return at;
    }
    return at == null ? required.group(1) : at + "." + required.group(1);
  }

  private static String path(JacksonException e) {
    StringBuilder out = new StringBuilder();
    for (JacksonException.Reference r : e.getPath()) {
      if (r.getPropertyName() != null) {
        if (!out.isEmpty()) {
          out.append('.');
        }
        out.append(r.getPropertyName());
      } else if (r.getIndex() >= 0) {
        out.append('[').append(r.getIndex()).append(']');
      }
    }
    return out.isEmpty() ? null : out.toString();
  }

  /** The body's line the error is on, or null. */
  public static Long line(JacksonException e) {
    return e.getLocation() != null && e.getLocation().getLineNr() > 0
        ? (long) e.getLocation().getLineNr()
        : null;
  }

  /** What is wrong, in words a client can act on (without the field: see {@link #field}). */
  public static String explain(JacksonException e) {
    String original = String.valueOf(e.getOriginalMessage());
    if (e instanceof StrictTextModule.RefusedText refused) {
      return refused.getOriginalMessage();
    }
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown field '" + u.getPropertyName() + "'";
    }
    if (REQUIRED.matcher(original).find()) {
      return "a required field is missing";
    }
    Matcher twice = DUPLICATE.matcher(original);
    if (twice.find()) {
      return "field '" + twice.group(1) + "' is given twice";
    }
    if (e instanceof MismatchedInputException wrong && original.startsWith(COERCE)) {
      return "expected "
          + kindOf(wrong.getTargetType())
          + ", not "
          + givenKind(original.substring(COERCE.length()));
    }
    if (e instanceof InvalidFormatException f) {
      return "'"
          + f.getValue()
          + "' is not a valid "
          + (f.getTargetType() == null ? "value" : f.getTargetType().getSimpleName().toLowerCase());
    }
    if (e instanceof MismatchedInputException m) {
      if (original.contains("end-of-input") && m.getPath().isEmpty()) {
        return "the body is empty; send a JSON object";
      }
      if (original.startsWith("Trailing token")) {
        return "there is more after the JSON value; send one JSON object";
      }
      return "has the wrong type: expected " + kindOf(m.getTargetType());
    }
    int newline = original.indexOf('\n');
    return "malformed JSON: " + (newline > 0 ? original.substring(0, newline) : original);
  }

  /** Jackson's message for a record component marked required and absent from the body. */
  private static final Pattern REQUIRED =
      Pattern.compile("Missing required creator property '([^']+)'");

  /** Jackson's message for a field given twice in one object. */
  private static final Pattern DUPLICATE =
      Pattern.compile("^Duplicate Object property \"([^\"]*)\"");

  /** How Jackson starts the message of a value of one JSON kind it did not take for another. */
  private static final String COERCE = "Cannot coerce ";

  /** The JSON kind a Java type is read from, as a client writes it. */
  private static String kindOf(Class<?> type) {
    if (type == null) {
      return "another value";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != char.class)) {
      return "a number";
    }
    if (CharSequence.class.isAssignableFrom(type)) {
      return "a string";
    }
    if (List.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "an object";
    }
    return "a " + type.getSimpleName();
  }

  /** The JSON kind of the refused value, from Jackson's "Cannot coerce String value ..." */
  private static String givenKind(String rest) {
    if (rest.startsWith("String")) {
      return "a string";
    }
    if (rest.startsWith("Integer") || rest.startsWith("Floating-point")) {
      return "a number";
    }
    if (rest.startsWith("Boolean")) {
      return "true or false";
    }
    return rest.startsWith("empty String") ? "an empty string" : "another kind of value";
  }
}
