package io.catalogimage.local;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;

/**
 * A merchant's feed server on this machine: serves the files of one directory over HTTP (as a shop
 * system's export URL would), for the demo, {@code ./pipeline up} and the feed benchmark.
 */
public final class FeedServer implements AutoCloseable {

  private final HttpServer server;
  private final Path directory;

  private FeedServer(HttpServer server, Path directory) {
    this.server = server;
    this.directory = directory;
  }

  public static FeedServer serve(Path directory) {
    try {
      Files.createDirectories(directory);
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      FeedServer feeds = new FeedServer(server, directory);
      server.createContext("/", feeds::answer);
      server.setExecutor(Executors.newFixedThreadPool(2, r -> daemon(r)));
      server.start();
      return feeds;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "feed-server");
    t.setDaemon(true);
    return t;
  }

  private void answer(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
    String name = exchange.getRequestURI().getPath().substring(1);
    Path file = directory.resolve(name).normalize();
    if (name.isEmpty() || !file.startsWith(directory) || !Files.isRegularFile(file)) {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
      return;
    }
    exchange.sendResponseHeaders(200, Files.size(file));
    try (InputStream in = Files.newInputStream(file);
        OutputStream out = exchange.getResponseBody()) {
      in.transferTo(out);
    }
    exchange.close();
  }

  /** The URL of a file in the directory. */
  public URI url(String name) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + name);
  }

  public Path directory() {
    return directory;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
