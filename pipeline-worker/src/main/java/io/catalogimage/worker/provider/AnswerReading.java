package io.catalogimage.worker.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.core.exc.JacksonIOException;

/**
 * Sends a request and reads its answer as a stream, on a small pool of reader threads: while the
 * readers are busy, answers wait in the socket (TCP flow control), not in the heap, so a burst of
 * completions costs a few buffers each until a reader takes it. The body has its own deadline (the
 * request's timeout covers only the wait for the status line): a provider that stalls mid-answer
 * has its stream closed, and the call ends TIMEOUT (possibly billed).
 */
public final class AnswerReading {

  /** Reads one answer's status, headers and body; the body is consumed before it returns. */
  public interface Reader {
    ProviderOutcome read(int status, HttpHeaders headers, InputStream body, Duration latency);
  }

  /** Reads a whole small answer (a caption, a model lookup) from its bytes. */
  public interface WholeReader {
    ProviderOutcome read(int status, HttpHeaders headers, byte[] body, Duration latency);
  }

  private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

  /** The readers for clients built without a pool of their own (tests). */
  public static final ExecutorService SHARED_READERS =
      Executors.newCachedThreadPool(named("answer-read"));

  private AnswerReading() {}

  public static CompletableFuture<ProviderOutcome> send(
      HttpClient http, HttpRequest request, Duration timeout, Executor readers, Reader reader) {
    long started = System.nanoTime();
    CompletableFuture<ProviderOutcome> outcome = new CompletableFuture<>();
    http.sendAsync(request, info -> new DeferredBody())
        .whenComplete(
            (response, failure) -> {
              Duration latency = Duration.ofNanos(System.nanoTime() - started);
              if (failure != null) {
                outcome.complete(TransportFailures.classify(failure, latency, timeout));
                return;
              }
              try {
                readers.execute(() -> outcome.complete(read(response, latency, timeout, reader)));
              } catch (RejectedExecutionException e) {
                closeQuietly(response.body().open());
                outcome.complete(
                    new ProviderOutcome.ConnectionLost(
                        "the worker is shutting down; the answer was not read",
                        CallInfo.noAnswer(latency)));
              }
            });
    return outcome;
  }

  /**
   * A small answer (text, not an image): the same sending, deadlines and transport classification
   * as {@link #send}, the body read whole before {@code reader} sees it.
   */
  public static CompletableFuture<ProviderOutcome> sendSmall(
      HttpClient http,
      HttpRequest request,
      Duration timeout,
      Executor readers,
      WholeReader reader) {
    return send(
        http,
        request,
        timeout,
        readers,
        (status, headers, body, latency) -> {
          byte[] bytes;
          try {
            bytes = body.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return reader.read(status, headers, bytes, latency);
        });
  }

  /** The outcome of a request that could not even be built: nothing was sent. */
  public static CompletableFuture<ProviderOutcome> unbuilt(RuntimeException e) {
    return CompletableFuture.completedFuture(
        new ProviderOutcome.Rejected(
            "could not build the request: " + e.getMessage(), CallInfo.noAnswer(Duration.ZERO)));
  }

  private static ProviderOutcome read(
      HttpResponse<DeferredBody> response, Duration latency, Duration timeout, Reader reader) {
    InputStream body = response.body().open();
    AtomicBoolean expired = new AtomicBoolean();
    Duration limit = timeout == null ? Duration.ofMinutes(5) : timeout;
    ScheduledFuture<?> deadline =
        DEADLINES.schedule(
            () -> {
              expired.set(true);
              closeQuietly(body);
            },
            limit.toNanos(),
            TimeUnit.NANOSECONDS);
    try (body) {
      return reader.read(response.statusCode(), response.headers(), body, latency);
    } catch (JacksonIOException | UncheckedIOException | IOException e) {
      if (expired.get()) {
        return new ProviderOutcome.TimedOut(
            "the answer's body did not arrive within " + limit.toSeconds() + "s",
            CallInfo.noAnswer(latency));
      }
      return new ProviderOutcome.ConnectionLost(
          "the connection was lost while the answer was read: " + e, CallInfo.noAnswer(latency));
    } catch (RuntimeException e) {
      return new ProviderOutcome.ServerError(
          "could not read the answer: " + e, CallInfo.noAnswer(latency));
    } finally {
      deadline.cancel(false);
    }
  }

  /**
   * A body nobody reads yet asks for no bytes: the JDK client would otherwise read ahead into the
   * heap on every connection whose answer has arrived (measured: about 1.25 MB per 4K answer
   * waiting for a reader, 250 MB for a burst of 200). Demand starts when a reader {@link #open}s
   * the stream; until then the answer waits in the socket, where TCP flow control holds it.
   */
  static final class DeferredBody implements HttpResponse.BodySubscriber<DeferredBody> {
    private final HttpResponse.BodySubscriber<InputStream> stream =
        HttpResponse.BodySubscribers.ofInputStream();
    private final Object lock = new Object();
    private java.util.concurrent.Flow.Subscription upstream;
    private long held;
    private boolean open;

    @Override
    public CompletionStage<DeferredBody> getBody() {
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
      synchronized (lock) {
        upstream = subscription;
      }
      stream.onSubscribe(
          new java.util.concurrent.Flow.Subscription() {
            @Override
            public void request(long n) {
              synchronized (lock) {
                if (!open) {
                  held += n;
                  return;
                }
              }
              subscription.request(n);
            }

            @Override
            public void cancel() {
              subscription.cancel();
            }
          });
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
      stream.onNext(item);
    }

    @Override
    public void onError(Throwable throwable) {
      stream.onError(throwable);
    }

    @Override
    public void onComplete() {
      stream.onComplete();
    }

    /** The body as a stream; from now on the client reads from the socket as it is consumed. */
    InputStream open() {
      long demand;
      java.util.concurrent.Flow.Subscription s;
      synchronized (lock) {
        open = true;
        demand = held;
        held = 0;
        s = upstream;
      }
      if (s != null && demand > 0) {
        s.request(demand);
      }
      return stream.getBody().toCompletableFuture().join();
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      // closing to stop a read: nothing more to do
    }
  }

  private static ScheduledThreadPoolExecutor deadlines() {
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, named("answer-deadline"));
    t.setRemoveOnCancelPolicy(true);
    return t;
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
