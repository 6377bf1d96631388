package io.catalogimage.worker.provider.batch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Blocking HTTP for the batch clients: a non-2xx answer or an I/O failure is a BatchCallFailed. */
public final class BatchHttp {
  private final HttpClient http;

  public BatchHttp(HttpClient http) {
    this.http = http;
  }

  /** A small answer (a job's status, a page of the job list) as bytes. */
  public byte[] send(String what, HttpRequest request) {
    try (InputStream body = open(what, request)) {
      return body.readAllBytes();
    } catch (IOException e) {
      throw new BatchCallFailed(what + ": " + e, false, e);
    }
  }

  /**
   * The answer's body as a stream, for answers that may carry images (a job whose results are
   * inline): the caller reads it as it arrives and closes it.
   */
  public InputStream open(String what, HttpRequest request) {
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new BatchCallFailed(what + ": " + e, false, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatchCallFailed(what + ": interrupted", false, e);
    }
    InputStream body = response.body();
    if (response.statusCode() / 100 != 2) {
      String text;
      try (body) {
        text = new String(body.readNBytes(4096), StandardCharsets.UTF_8);
      } catch (IOException e) {
        text = "(unreadable: " + e + ")";
      }
      throw BatchCallFailed.ofStatus(what, response.statusCode(), text);
    }
    return body;
  }

  /**
   * Downloads a JSON Lines file and hands over each non-blank line as a stream that ends with the
   * line, while the line arrives: not one line is held whole, however large (a results line holds a
   * base64 image, 33 MB at 4K; a job's file gigabytes). What the consumer leaves unread of its line
   * is skipped.
   */
  public void eachLine(String what, HttpRequest request, Consumer<InputStream> line) {
    try (InputStream body = open(what, request)) {
      JsonLines lines = new JsonLines(body);
      for (InputStream next = lines.next(); next != null; next = lines.next()) {
        line.accept(next);
        next.transferTo(java.io.OutputStream.nullOutputStream());
      }
    } catch (IOException e) {
      throw new BatchCallFailed(what + ": " + e, false, e);
    } catch (UncheckedIOException e) {
      throw new BatchCallFailed(what + ": " + e.getCause(), false, e.getCause());
    }
  }
}
