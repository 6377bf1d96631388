package io.catalogimage.api.problem;

import io.catalogimage.common.db.LockConflicts;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * The servlet container's error page ({@code /error}), in place of Spring Boot's: what fails
 * outside Spring MVC (an error a filter sends, an exception it throws) is answered as a problem
 * too, never as Boot's JSON or an HTML page. Reached only by the container's error dispatch; a
 * request for {@code /error} itself needs an API key like any other path.
 */
@Controller
class ProblemErrorController implements ErrorController {

  private static final Logger log = LoggerFactory.getLogger(ProblemErrorController.class);

  @RequestMapping("/error")
  void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    if (code == null) {
      // asked for by a client, not dispatched by the container: there is no such resource
      ProblemWriter.write(
          response, 404, ProblemTypes.NOT_FOUND, "Not found", "no such resource", Map.of());
      return;
    }
    int status = ContainerProblems.clientStatus((Integer) code);
    Throwable failure = (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
    if (failure != null && RequestRejectedException.class.isInstance(failure)) {
      status = 400;
    } else if (failure != null && DatabaseUnavailable.causedBy(failure)) {
      status = 503;
      response.setHeader("Retry-After", String.valueOf(DatabaseUnavailable.RETRY_AFTER_SECONDS));
    } else if (failure != null && LockConflicts.lost(failure)) {
      status = 503;
      response.setHeader("Retry-After", String.valueOf(LockConflictProblem.RETRY_AFTER_SECONDS));
    } else if (status >= 500) {
      log.error(
          "unexpected error on {}",
          request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI),
          failure);
    }
    ContainerProblems.Kind kind = ContainerProblems.of(status);
    ProblemWriter.write(response, status, kind.type(), kind.title(), kind.detail(), Map.of());
  }
}
