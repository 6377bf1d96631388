package io.catalogimage.api.problem;

import io.catalogimage.api.input.InvalidText;
import io.catalogimage.api.input.StrictJson;
import io.catalogimage.common.db.LockConflicts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;

/**
 * Turns every error into problem details: our own {@link ApiProblem}s, Spring MVC's errors
 * (unsupported media type, missing parameter...) with a stable type, and anything unexpected into a
 * 500 that says only that it is our fault.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

  @ExceptionHandler(ApiProblem.class)
  ResponseEntity<ProblemDetail> onApiProblem(ApiProblem problem) {
    ResponseEntity.BodyBuilder answer = ResponseEntity.status(problem.status());
    problem.headers().forEach(answer::header);
    return answer.body(problem.toProblemDetail());
  }

  /** The firewall's checks of parameters and headers run when a controller reads them. */
  @ExceptionHandler(RequestRejectedException.class)
  ResponseEntity<ProblemDetail> onRejected(RequestRejectedException e) {
    return onApiProblem(
        new ApiProblem(
            HttpStatus.BAD_REQUEST,
            ProblemTypes.REJECTED_REQUEST,
            "Rejected request",
            "the request was refused: " + e.getMessage()));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> onUnexpected(Exception e) {
    if (DatabaseUnavailable.causedBy(e)) {
      log.warn("database unreachable: {}", e.toString());
      return onApiProblem(DatabaseUnavailable.problem());
    }
    if (LockConflicts.lost(e)) {
      log.warn("lock conflict lost (on every try, if retried): {}", e.toString());
      return onApiProblem(LockConflictProblem.problem());
    }
    InvalidText text = InvalidText.in(e);
    if (text != null) {
      return onApiProblem(malformed(null, text.line(), text.reason()));
    }
    if (clientGone(e)) {
      log.debug("client went away: {}", e.toString());
      return onApiProblem(
          new ApiProblem(
              HttpStatus.BAD_REQUEST,
              ProblemTypes.MALFORMED_BODY,
              "Malformed body",
              "the request body ended before its declared length"));
    }
    log.error("unexpected error", e);
    ProblemDetail pd =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.INTERNAL_SERVER_ERROR, "an unexpected error occurred; it has been logged");
    pd.setType(ProblemTypes.INTERNAL);
    pd.setTitle("Internal error");
    return ResponseEntity.internalServerError().body(pd);
  }

  /** A query parameter that is not of its type: said in the api's words, not Spring's. */
  @Override
  protected ResponseEntity<Object> handleTypeMismatch(
      TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    String name =
        ex instanceof MethodArgumentTypeMismatchException m ? m.getName() : ex.getPropertyName();
    Class<?> type = ex.getRequiredType();
    String expected =
        type == Integer.class || type == int.class
            ? "a whole number (at most 2147483647)"
            : type == Boolean.class || type == boolean.class
                ? "true or false"
                : "a " + (type == null ? "value" : type.getSimpleName()) + " value";
    ApiProblem problem =
        ApiProblem.invalidParameter(
            name == null ? "?" : name, "must be " + expected + ", not '" + ex.getValue() + "'");
    return asProblemJson(problem);
  }

  /**
   * A {@code @RequestBody} that cannot be read: not UTF-8 ({@link InvalidText}, with its line), a
   * string that cannot be stored (a NUL or unpaired surrogate escape), or not the JSON expected;
   * each named by its field where Jackson knows it.
   */
  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException ex,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    InvalidText text = InvalidText.in(ex);
    JacksonException json = jackson(ex);
    String field;
    String why;
    Long line;
    if (text != null) {
      field = json == null ? null : StrictJson.field(json);
      why = text.reason();
      line = text.line();
    } else if (json != null) {
      field = StrictJson.field(json);
      why = StrictJson.explain(json);
      line = StrictJson.line(json);
    } else {
      field = null;
      why = "the body could not be read as JSON";
      line = null;
    }
    ApiProblem problem = malformed(field, line, why);
    return asProblemJson(problem);
  }

  /**
   * The answer of an override of Spring's handlers, whose type is {@code ResponseEntity<Object>}.
   */
  private static ResponseEntity<Object> asProblemJson(ApiProblem problem) {
    return ResponseEntity.status(problem.status())
        .contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem.toProblemDetail());
  }

  private static ApiProblem malformed(String field, Long line, String why) {
    String where =
        (line == null ? "" : "line " + line + (field == null ? "" : ", "))
            + (field == null ? "" : field);
    ApiProblem problem =
        new ApiProblem(
            HttpStatus.BAD_REQUEST,
            ProblemTypes.MALFORMED_BODY,
            "Malformed body",
            (where.isEmpty() ? "" : where + ": ") + why);
    if (field != null) {
      problem.with("field", field);
    }
    if (line != null) {
      problem.with("line", line);
    }
    return problem;
  }

  private static JacksonException jackson(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof JacksonException j) {
        return j;
      }
    }
    return null;
  }

  /** The client closed the connection or sent less than it declared. */
  private static boolean clientGone(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.io.EOFException
          || t.getClass().getName().equals("org.apache.catalina.connector.ClientAbortException")) {
        return true;
      }
    }
    return false;
  }

  /** Gives Spring MVC's own errors a stable type instead of about:blank. */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception ex, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    ResponseEntity<Object> response =
        super.handleExceptionInternal(ex, body, headers, status, request);
    if (response != null
        && response.getBody() instanceof ProblemDetail pd
        && (pd.getType() == null || "about:blank".equals(pd.getType().toString()))) {
      pd.setType(
          switch (status.value()) {
            case 404 -> ProblemTypes.NOT_FOUND;
            case 405 -> ProblemTypes.METHOD_NOT_ALLOWED;
            case 413 -> ProblemTypes.PAYLOAD_TOO_LARGE;
            case 415 -> ProblemTypes.UNSUPPORTED_MEDIA_TYPE;
            case 400 -> ProblemTypes.INVALID_PARAMETER;
            default ->
                status.is4xxClientError() ? ProblemTypes.INVALID_PARAMETER : ProblemTypes.INTERNAL;
          });
    }
    return response;
  }
}
