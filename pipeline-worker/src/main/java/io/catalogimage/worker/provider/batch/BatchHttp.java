package io.catalogimage.worker.provider.batch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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

  public byte[] send(String what, HttpRequest request) {
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new BatchCallFailed(what + ": " + e, false, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatchCallFailed(what + ": interrupted", false, e);
    }
    if (response.statusCode() / 100 != 2) {
      throw BatchCallFailed.ofStatus(
          what, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
    }
    return response.body();
  }

  /**
   * Downloads a JSON Lines file and hands over each non-blank line as it arrives: one line in
   * memory at a time, however large the file (a job's results file holds a base64 image per line,
   * gigabytes for a full job of real-size images).
   */
  public void eachLine(String what, HttpRequest request, Consumer<byte[]> line) {
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new BatchCallFailed(what + ": " + e, false, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatchCallFailed(what + ": interrupted", false, e);
    }
    try (InputStream body = response.body()) {
      if (response.statusCode() / 100 != 2) {
        String text = new String(body.readNBytes(4096), StandardCharsets.UTF_8);
        throw BatchCallFailed.ofStatus(what, response.statusCode(), text);
      }
      ByteArrayOutputStream current = new ByteArrayOutputStream();
      byte[] chunk = new byte[64 * 1024];
      int n;
      while ((n = body.read(chunk)) >= 0) {
        int from = 0;
        for (int i = 0; i < n; i++) {
          if (chunk[i] == '\n') {
            current.write(chunk, from, i - from);
            handOver(current, line);
            from = i + 1;
          }
        }
        current.write(chunk, from, n - from);
      }
      handOver(current, line);
    } catch (IOException e) {
      throw new BatchCallFailed(what + ": " + e, false, e);
    }
  }

  private static void handOver(ByteArrayOutputStream current, Consumer<byte[]> line) {
    byte[] bytes = current.toByteArray();
    current.reset();
    for (byte b : bytes) {
      if (!Character.isWhitespace(b)) {
        line.accept(bytes); // a trailing \r is whitespace to the JSON reader
        return;
      }
    }
  }
}
