package io.catalogimage.simulator.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes responses, now or after a simulated latency. A delayed response holds no thread while it
 * waits: the timer only hands the write to the writer pool when the delay is over, and the body is
 * built then, so thousands of pending calls cost a few objects each.
 */
public final class Responder {
  private static final Logger log = LoggerFactory.getLogger(Responder.class);

  private final ScheduledExecutorService timer;
  private final ExecutorService writers;

  public Responder(ScheduledExecutorService timer, ExecutorService writers) {
    this.timer = timer;
    this.writers = writers;
  }

  /** Writes on the calling thread. */
  public void send(HttpExchange exchange, HttpReply reply) {
    write(exchange, reply);
  }

  /** Builds and writes the reply once {@code delay} of real time has passed. */
  public void sendLater(HttpExchange exchange, Duration delay, Supplier<HttpReply> reply) {
    if (delay.isZero() || delay.isNegative()) {
      write(exchange, build(exchange, reply));
      return;
    }
    try {
      timer.schedule(
          () -> {
            try {
              writers.execute(() -> write(exchange, build(exchange, reply)));
            } catch (RejectedExecutionException e) {
              exchange.close(); // shutting down
            }
          },
          delay.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      exchange.close();
    }
  }

  /**
   * Closes the connection after {@code delay} without any response (a hung call, a reset): the
   * client sees the connection end with no status line.
   */
  public void closeUnansweredLater(HttpExchange exchange, Duration delay) {
    try {
      timer.schedule(exchange::close, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      exchange.close();
    }
  }

  private static HttpReply build(HttpExchange exchange, Supplier<HttpReply> reply) {
    try {
      return reply.get();
    } catch (RuntimeException e) {
      log.error("failed to build the response to {}", exchange.getRequestURI(), e);
      return HttpReply.text(500, "text/plain; charset=UTF-8", "simulator error: " + e);
    }
  }

  private static void write(HttpExchange exchange, HttpReply reply) {
    try {
      exchange.getResponseHeaders().set("Content-Type", reply.contentType());
      reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      long length = reply.length();
      exchange.sendResponseHeaders(reply.status(), length == 0 ? -1 : length);
      if (length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          reply.writeTo(out);
        }
      }
    } catch (IOException e) {
      log.debug("client went away before the response to {}", exchange.getRequestURI(), e);
    } finally {
      exchange.close();
    }
  }
}
