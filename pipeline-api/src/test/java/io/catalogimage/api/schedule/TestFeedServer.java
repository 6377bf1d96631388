package io.catalogimage.api.schedule;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;

/**
 * A merchant's feed server on 127.0.0.1: paths answer with a body (optionally gzipped, optionally
 * only with the right Authorization), a status, or a redirect. Records the requests it gets.
 */
final class TestFeedServer implements AutoCloseable {

  record Answer(int status, byte[] body, String location, String requiredAuthorization) {}

  record Request(String path, String authorization) {}

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();

  TestFeedServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          String auth = exchange.getRequestHeaders().getFirst("Authorization");
          requests.add(new Request(path, auth));
          Answer a = answers.get(path);
          if (a == null) {
            exchange.sendResponseHeaders(404, -1);
          } else if (a.requiredAuthorization() != null && !a.requiredAuthorization().equals(auth)) {
            exchange.sendResponseHeaders(401, -1);
          } else if (a.location() != null) {
            exchange.getResponseHeaders().add("Location", a.location());
            exchange.sendResponseHeaders(a.status(), -1);
          } else {
            byte[] body = a.body() == null ? new byte[0] : a.body();
            exchange.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
          exchange.close();
        });
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  int port() {
    return server.getAddress().getPort();
  }

  void serve(String path, String text) {
    answers.put(path, new Answer(200, text.getBytes(StandardCharsets.UTF_8), null, null));
  }

  void serveGzipped(String path, String text, String authorization) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    }
    answers.put(path, new Answer(200, bytes.toByteArray(), null, authorization));
  }

  void status(String path, int status) {
    answers.put(path, new Answer(status, null, null, null));
  }

  void redirect(String path, String location) {
    answers.put(path, new Answer(302, null, location, null));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
