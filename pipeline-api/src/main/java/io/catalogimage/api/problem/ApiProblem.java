package io.catalogimage.api.problem;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * An expected client error, answered as problem details. Thrown by controllers and the services
 * they call; never caught in between.
 */
public class ApiProblem extends RuntimeException {

  private final HttpStatus status;
  private final URI type;
  private final String title;
  private final Map<String, Object> properties = new LinkedHashMap<>();
  private final Map<String, String> headers = new LinkedHashMap<>();

  public ApiProblem(HttpStatus status, URI type, String title, String detail) {
    super(detail);
    this.status = status;
    this.type = type;
    this.title = title;
  }

  public static ApiProblem notFound(String what) {
    return new ApiProblem(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not found", what);
  }

  public static ApiProblem invalidParameter(String name, String why) {
    return new ApiProblem(
            HttpStatus.BAD_REQUEST,
            ProblemTypes.INVALID_PARAMETER,
            "Invalid parameter",
            "parameter '" + name + "' " + why)
        .with("parameter", name);
  }

  /** The same problem, its detail prefixed with where it is (e.g. an entry of a bulk request). */
  public ApiProblem at(String where) {
    ApiProblem located = new ApiProblem(status, type, title, where + ": " + getMessage());
    located.properties.putAll(properties);
    located.properties.put("at", where);
    located.headers.putAll(headers);
    return located;
  }

  public ApiProblem with(String key, Object value) {
    properties.put(key, value);
    return this;
  }

  /** A response header to send with it (WWW-Authenticate, Retry-After). */
  public ApiProblem header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public HttpStatus status() {
    return status;
  }

  public ProblemDetail toProblemDetail() {
    ProblemDetail pd = ProblemDetail.forStatusAndDetail(status, getMessage());
    pd.setType(type);
    pd.setTitle(title);
    properties.forEach(pd::setProperty);
    return pd;
  }
}
