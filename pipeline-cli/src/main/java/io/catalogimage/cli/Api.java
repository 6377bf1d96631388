package io.catalogimage.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The pipeline's REST api as the client uses it: every call with the tenant's key, every error
 * turned into a {@link CliFailure} with the exit status a script relies on and the api's problem
 * told in words.
 */
final class Api {

  static final ObjectMapper JSON = JsonMapper.builder().build();

  private final URI base;
  private final String apiKey;
  private final HttpClient http;

  Api(URI base, String apiKey) {
    this.base = base;
    this.apiKey = apiKey;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  URI base() {
    return base;
  }

  HttpClient http() {
    return http;
  }

  /** An answer: status, headers and body (JSON when there is one). */
  record Answer(int status, java.net.http.HttpHeaders headers, JsonNode body) {}

  JsonNode get(String path) {
    return send(request(path).timeout(Duration.ofSeconds(60)).GET().build(), null).body();
  }

  /** A POST with a JSON body, or none. */
  JsonNode post(String path, JsonNode body) {
    HttpRequest.Builder b = request(path).timeout(Duration.ofSeconds(60));
    if (body == null) {
      b.POST(HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    }
    return send(b.build(), null).body();
  }

  /** A submission: the body as it is, its type, the options as query parameters. */
  Answer submit(
      String contentType,
      HttpRequest.BodyPublisher body,
      List<Map.Entry<String, String>> query,
      String idempotencyKey,
      String source) {
    HttpRequest request =
        request("/v1/batches" + queryString(query))
            .header("Content-Type", contentType)
            .header("Idempotency-Key", idempotencyKey)
            .POST(body)
            .build();
    return send(request, source);
  }

  /** A streamed GET (the results manifest); the caller closes the body. */
  InputStream stream(String path) {
    HttpRequest request = request(path).GET().build();
    try {
      HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() >= 400) {
        byte[] bytes;
        try (InputStream in = r.body()) {
          bytes = in.readAllBytes();
        }
        throw failure(r.statusCode(), r.headers(), parse(bytes), null);
      }
      return r.body();
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure(ExitCode.INTERRUPTED, "interrupted");
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b.header("Accept", "application/json, application/problem+json, application/x-ndjson");
  }

  private Answer send(HttpRequest request, String source) {
    try {
      HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      JsonNode body = parse(r.body());
      if (r.statusCode() >= 400) {
        throw failure(r.statusCode(), r.headers(), body, source);
      }
      return new Answer(r.statusCode(), r.headers(), body);
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure(ExitCode.INTERRUPTED, "interrupted");
    }
  }

  private static JsonNode parse(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    try {
      return JSON.readTree(bytes);
    } catch (RuntimeException notJson) {
      return JSON.getNodeFactory().stringNode(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  private CliFailure unreachable(IOException e) {
    String why =
        e instanceof ConnectException
            ? "connection refused"
            : e instanceof HttpTimeoutException ? "no answer in time" : String.valueOf(e);
    return new Unreachable(
        "cannot reach the api at "
            + base
            + " ("
            + why
            + "): is it running? Set PIPELINE_URL or --url to where it is",
        e);
  }

  /** The api could not be reached at all: worth another try for idempotent requests. */
  static final class Unreachable extends CliFailure {
    Unreachable(String message, Throwable cause) {
      super(ExitCode.UNAVAILABLE, message, cause);
    }
  }

  /** The api answered with an error status. */
  static final class Refused extends CliFailure {
    private final int status;

    Refused(int exitCode, int status, String message) {
      super(exitCode, message);
      this.status = status;
    }

    int status() {
      return status;
    }
  }

  static Refused failure(
      int status, java.net.http.HttpHeaders headers, JsonNode problem, String source) {
    int exit;
    String type = problem == null ? "" : problem.path("type").asString("");
    if (status == 401 || status == 403 || type.endsWith("too-many-failed-authentications")) {
      exit = ExitCode.AUTHENTICATION;
    } else if (status >= 500) {
      exit = ExitCode.UNAVAILABLE;
    } else {
      exit = ExitCode.REFUSED;
    }
    String text = Problems.describe(status, problem, source);
    if (exit == ExitCode.AUTHENTICATION) {
      text +=
          "\n  Give the key of your tenant in PIPELINE_API_KEY (or --api-key); `./pipeline up`"
              + " leaves one in .local/api-key.";
    }
    String retryAfter = headers.firstValue("Retry-After").orElse(null);
    if (retryAfter != null) {
      text += "\n  Try again after " + retryAfter + " s.";
    }
    return new Refused(exit, status, text);
  }

  static String queryString(List<Map.Entry<String, String>> query) {
    if (query.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("?");
    for (Map.Entry<String, String> e : query) {
      if (b.length() > 1) {
        b.append('&');
      }
      b.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    return b.toString();
  }
}
