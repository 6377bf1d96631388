package io.catalogimage.api.intake;

import io.catalogimage.api.input.InvalidText;
import io.catalogimage.api.input.StrictTextModule;
import io.catalogimage.api.problem.FieldProblem;
import io.catalogimage.api.problem.InvalidSubmission;
import java.io.InputStream;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the JSON submission, strictly: unknown fields and wrong types are errors that say where
 * (field path and line) in words a person can act on.
 */
@Component
class JsonSubmissionParser {

  private final ObjectReader reader;
  private final ObjectReader rowReader;

  JsonSubmissionParser() {
    JsonMapper mapper =
        JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .addModule(new StrictTextModule())
            .build();
    this.reader = mapper.readerFor(SubmitBatchRequest.class);
    this.rowReader = mapper.readerFor(SubmitBatchRequest.ProductRequest.class);
  }

  /** One NDJSON line: an item; a problem in words when it is not one. */
  SubmitBatchRequest.ProductRequest parseRow(
      String line, java.util.function.Consumer<String> problem) {
    try {
      SubmitBatchRequest.ProductRequest item = rowReader.readValue(line);
      if (item == null) {
        problem.accept("the line must be a JSON object, not null");
      }
      return item;
    } catch (JacksonException e) {
      String field = e.getPath().isEmpty() ? "" : path(e.getPath()) + ": ";
      problem.accept(field + explain(e));
      return null;
    }
  }

  SubmitBatchRequest parse(InputStream body) {
    try {
      SubmitBatchRequest request = reader.readValue(body);
      if (request == null) {
        throw invalid(null, null, "the body must be a JSON object, not null");
      }
      return request;
    } catch (JacksonException e) {
      InvalidText text = InvalidText.in(e);
      if (text != null) {
        throw invalid(e.getPath().isEmpty() ? null : path(e.getPath()), text.line(), text.reason());
      }
      TokenStreamLocation where = e.getLocation();
      Long line = where == null || where.getLineNr() < 1 ? null : (long) where.getLineNr();
      String field = e.getPath().isEmpty() ? null : path(e.getPath());
      throw invalid(field, line, explain(e));
    }
  }

  private static InvalidSubmission invalid(String field, Long line, String message) {
    return new InvalidSubmission(List.of(new FieldProblem(field, line, message)), 1);
  }

  private static String explain(JacksonException e) {
    if (e instanceof StrictTextModule.RefusedText refused) {
      return refused.getOriginalMessage();
    }
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown field '" + u.getPropertyName() + "'";
    }
    if (e instanceof InvalidFormatException f) {
      return "'" + f.getValue() + "' is not a valid " + typeName(f.getTargetType());
    }
    if (e instanceof MismatchedInputException m) {
      String original = String.valueOf(m.getOriginalMessage());
      if (original.contains("end-of-input") && m.getPath().isEmpty()) {
        return "the body is empty; send a JSON object";
      }
      return "has the wrong type: expected " + typeName(m.getTargetType());
    }
    String original = String.valueOf(e.getOriginalMessage());
    int newline = original.indexOf('\n');
    return "malformed JSON: " + (newline > 0 ? original.substring(0, newline) : original);
  }

  private static String typeName(Class<?> type) {
    if (type == null) {
      return "value";
    }
    if (List.class.isAssignableFrom(type)) {
      return "array";
    }
    if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "object";
    }
    if (type == String.class) {
      return "string";
    }
    return type.getSimpleName().toLowerCase();
  }

  private static String path(List<JacksonException.Reference> refs) {
    StringBuilder out = new StringBuilder();
    for (JacksonException.Reference r : refs) {
      if (r.getPropertyName() != null) {
        if (!out.isEmpty()) {
          out.append('.');
        }
        out.append(r.getPropertyName());
      } else if (r.getIndex() >= 0) {
        out.append('[').append(r.getIndex()).append(']');
      }
    }
    return out.toString();
  }
}
