package io.catalogimage.simulator.config;

/**
 * Threads and socket settings. Latency never holds a thread: these pools only parse requests and
 * write responses.
 *
 * @param host address to bind; null = 127.0.0.1 when embedded, 0.0.0.0 when standalone
 * @param httpThreads threads that read, validate and decide (the HttpServer's executor)
 * @param writerThreads threads that write delayed responses when their latency has elapsed
 * @param backlog TCP accept backlog
 */
public record ServerSettings(String host, int httpThreads, int writerThreads, int backlog) {
  public ServerSettings {
    if (httpThreads < 1 || writerThreads < 1 || backlog < 1) {
      throw new IllegalArgumentException("server thread counts and backlog must be >= 1");
    }
  }

  public static ServerSettings standard() {
    int cores = Runtime.getRuntime().availableProcessors();
    return new ServerSettings(null, Math.max(4, 2 * cores), Math.max(2, cores), 4096);
  }

  public ServerSettings withHost(String newHost) {
    return new ServerSettings(newHost, httpThreads, writerThreads, backlog);
  }
}
