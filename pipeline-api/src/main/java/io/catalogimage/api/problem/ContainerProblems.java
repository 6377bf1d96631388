package io.catalogimage.api.problem;

import java.net.URI;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * Answers of the servlet container itself as problems: Tomcat refuses some requests before any
 * filter runs (an encoded slash, a request line or headers over the size limit, a broken escape in
 * the path) and writes its own HTML error page for them. Its error report valve is replaced by
 * {@link ProblemValve}, which writes problem+json with the same headers as every other answer.
 */
@Component
class ContainerProblems
    implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

  /**
   * A kind of error by its status: the type, title and a detail that says no more than it should.
   */
  record Kind(URI type, String title, String detail) {}

  /**
   * What the client is told: Tomcat answers 501 to a Transfer-Encoding it does not implement, but
   * what a client sends is never a server error, so that is a 400 like any malformed request.
   */
  static int clientStatus(int status) {
    return status == 501 || status == 505 ? 400 : status;
  }

  static Kind of(int status) {
    return switch (status) {
      case 400 ->
          new Kind(
              ProblemTypes.REJECTED_REQUEST,
              "Rejected request",
              "the request was refused before it was read: its path, query or headers are not"
                  + " well-formed (an encoded '/', a broken %-escape, an invalid character, or"
                  + " larger than the server accepts)");
      case 401 ->
          new Kind(
              ProblemTypes.UNAUTHENTICATED,
              "Unauthenticated",
              "send Authorization: Bearer <your API key>");
      case 403 -> new Kind(ProblemTypes.FORBIDDEN, "Forbidden", "not allowed");
      case 404 -> new Kind(ProblemTypes.NOT_FOUND, "Not found", "no such resource");
      case 405 ->
          new Kind(
              ProblemTypes.METHOD_NOT_ALLOWED,
              "Method not allowed",
              "this path does not take this method");
      case 413 ->
          new Kind(
              ProblemTypes.PAYLOAD_TOO_LARGE,
              "Payload too large",
              "the request is larger than the server accepts");
      case 414, 431 ->
          new Kind(
              ProblemTypes.REJECTED_REQUEST,
              "Rejected request",
              "the request line or headers are larger than the server accepts");
      case 415 ->
          new Kind(
              ProblemTypes.UNSUPPORTED_MEDIA_TYPE,
              "Unsupported media type",
              "this path does not take this Content-Type");
      case 503 -> new Kind(ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable", "retry later");
      default ->
          status >= 400 && status < 500
              ? new Kind(
                  ProblemTypes.REJECTED_REQUEST,
                  "Rejected request",
                  "the request was refused (HTTP " + status + ")")
              : new Kind(
                  ProblemTypes.INTERNAL,
                  "Internal error",
                  "an unexpected error occurred; it has been logged");
    };
  }

  /** After Spring Boot's own customizer, whose error report valve this one replaces. */
  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    factory.addContextCustomizers(
        context -> {
          StandardHost host = (StandardHost) context.getParent();
          for (var valve : host.getPipeline().getValves()) {
            if (valve instanceof ErrorReportValve) {
              host.getPipeline().removeValve(valve);
            }
          }
          host.setErrorReportValveClass(ProblemValve.class.getName());
          host.getPipeline().addValve(new ProblemValve());
        });
  }

  /** Tomcat's error report valve, writing problem+json instead of an HTML page. */
  public static class ProblemValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable failure) {
      int status = clientStatus(response.getStatus());
      if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
        return;
      }
      Kind kind = of(status);
      try {
        response.resetBuffer();
        response.setStatus(status);
        ProblemWriter.secureHeaders(response);
        response.setContentType(ProblemWriter.PROBLEM_JSON);
        byte[] body =
            ProblemWriter.body(
                status, kind.type(), kind.title(), kind.detail(), java.util.Map.of());
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.finishResponse();
      } catch (Exception e) {
        container.getLogger().debug("could not write a problem for status " + status, e);
      }
    }
  }
}
