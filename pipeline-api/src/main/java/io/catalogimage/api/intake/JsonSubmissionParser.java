package io.catalogimage.api.intake;

import io.catalogimage.api.input.InvalidText;
import io.catalogimage.api.input.StrictJson;
import io.catalogimage.api.problem.FieldProblem;
import io.catalogimage.api.problem.InvalidSubmission;
import java.io.InputStream;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectReader;
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
    JsonMapper mapper = StrictJson.mapper();
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
      String field = StrictJson.field(e);
      problem.accept((field == null ? "" : field + ": ") + StrictJson.explain(e));
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
        throw invalid(StrictJson.field(e), text.line(), text.reason());
      }
      throw invalid(StrictJson.field(e), StrictJson.line(e), StrictJson.explain(e));
    }
  }

  private static InvalidSubmission invalid(String field, Long line, String message) {
    return new InvalidSubmission(List.of(new FieldProblem(field, line, message)), 1);
  }
}
