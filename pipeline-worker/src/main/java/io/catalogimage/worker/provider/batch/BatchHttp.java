package io.catalogimage.worker.provider.batch;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

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
}
