package io.catalogimage.api.problem;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

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

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> onUnexpected(Exception e) {
    log.error("unexpected error", e);
    ProblemDetail pd =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.INTERNAL_SERVER_ERROR, "an unexpected error occurred; it has been logged");
    pd.setType(ProblemTypes.INTERNAL);
    pd.setTitle("Internal error");
    return ResponseEntity.internalServerError().body(pd);
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
