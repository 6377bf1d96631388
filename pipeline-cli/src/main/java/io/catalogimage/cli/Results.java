package io.catalogimage.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;

/**
 * {@code results <batch> --out DIR}: the manifest ({@code manifest.jsonl}, one line per item) and
 * every image with its sidecar (alt text per locale, caption, model, cost) laid out as in the
 * bucket: {@code DIR/<sku>/<variant>.png} and {@code .json}. Files go through the presigned URLs of
 * the manifest, straight from the object store, and the API key is never sent there. A file is
 * written under a temporary name and moved in place, so an interrupted run leaves no half image.
 */
final class Results {

  /** The attempt number in a stored object's name: {@code main.a2.png}. */
  private static final java.util.regex.Pattern ATTEMPT =
      java.util.regex.Pattern.compile("\\.a[0-9]+(?=\\.[^.]+$)");

  private static final int TRIES = 3;

  private final Api api;
  private final PrintStream out;
  private final PrintStream err;

  Results(Api api, PrintStream out, PrintStream err) {
    this.api = api;
    this.out = out;
    this.err = err;
  }

  /** One file to fetch. */
  private record Download(URI url, Path target, boolean image) {}

  int run(String batchId, Path dir, int concurrency, JsonNode batch) throws InterruptedException {
    long started = System.nanoTime();
    boolean finished = BatchReport.finished(batch);
    if (!finished) {
      err.println(
          "Batch "
              + batchId
              + " is "
              + batch.path("state").asString()
              + ": downloading what is done so far (--wait waits for the end)");
    }
    Path root = dir.toAbsolutePath().normalize();
    List<Download> downloads = new ArrayList<>();
    Map<String, Long> withoutImage = new TreeMap<>();
    long lines = 0;
    try {
      Files.createDirectories(root);
      Path manifest = root.resolve("manifest.jsonl");
      Path partial = root.resolve("manifest.jsonl.part");
      try (InputStream in = api.stream("/v1/batches/" + batchId + "/results")) {
        Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      }
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(Files.newInputStream(partial), StandardCharsets.UTF_8))) {
        for (String text; (text = reader.readLine()) != null; ) {
          if (text.isBlank()) {
            continue;
          }
          lines++;
          JsonNode line = Api.JSON.readTree(text);
          if (!line.hasNonNull("imageUrl")) {
            withoutImage.merge(line.path("state").asString("?"), 1L, Long::sum);
            continue;
          }
          downloads.add(
              new Download(
                  URI.create(line.path("imageUrl").asString()),
                  target(root, line.path("imageKey").asString()),
                  true));
          if (line.hasNonNull("sidecarUrl")) {
            downloads.add(
                new Download(
                    URI.create(line.path("sidecarUrl").asString()),
                    target(root, line.path("sidecarKey").asString()),
                    false));
          }
        }
      }
      Files.move(partial, manifest, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new CliFailure(ExitCode.REFUSED, "cannot write to " + root + ": " + e.getMessage());
    }
    AtomicLong bytes = new AtomicLong();
    List<Download> failed = fetchAll(downloads, concurrency, bytes);
    long images = downloads.stream().filter(Download::image).count();
    long imagesFailed = failed.stream().filter(Download::image).count();
    out.printf(
        Locale.ROOT,
        "Saved %d images and %d sidecars (%.1f MB) of %d items to %s in %s%n",
        images - imagesFailed,
        downloads.size() - images - (failed.size() - imagesFailed),
        bytes.get() / 1e6,
        lines,
        root,
        Texts.duration(Duration.ofNanos(System.nanoTime() - started)));
    out.println("  manifest (one JSON line per item): " + root.resolve("manifest.jsonl"));
    if (!withoutImage.isEmpty()) {
      StringBuilder s = new StringBuilder("  without an image: ");
      withoutImage.forEach((state, n) -> s.append(state).append(' ').append(n).append("  "));
      out.println(s.toString().stripTrailing() + " (their error is in the manifest)");
    }
    if (!failed.isEmpty()) {
      return ExitCode.UNAVAILABLE;
    }
    if (!finished) {
      return ExitCode.NOT_FINISHED;
    }
    return withoutImage.isEmpty() ? ExitCode.OK : ExitCode.FINISHED_WITH_FAILURES;
  }

  /**
   * The local file for an object key: its last two segments ({@code <sku>/<variant>.png}, without
   * the attempt the store keys carry, {@code <variant>.a<attempt>.png}), already made safe by the
   * api (percent-encoded), and refused if they would leave the directory.
   */
  static Path target(Path root, String objectKey) {
    String[] parts = objectKey.split("/");
    if (parts.length < 2) {
      throw new CliFailure(
          ExitCode.UNAVAILABLE, "unexpected object key in the manifest: " + objectKey);
    }
    String dir = parts[parts.length - 2];
    String file = ATTEMPT.matcher(parts[parts.length - 1]).replaceFirst("");
    for (String p : new String[] {dir, file}) {
      if (p.isEmpty() || p.equals(".") || p.equals("..") || p.contains("\\")) {
        throw new CliFailure(
            ExitCode.UNAVAILABLE, "unsafe object key in the manifest: " + objectKey);
      }
    }
    Path target = root.resolve(dir).resolve(file).normalize();
    if (!target.startsWith(root)) {
      throw new CliFailure(ExitCode.UNAVAILABLE, "unsafe object key in the manifest: " + objectKey);
    }
    return target;
  }

  /** Fetches every file, {@code concurrency} at a time; returns those that could not be. */
  private List<Download> fetchAll(List<Download> downloads, int concurrency, AtomicLong bytes)
      throws InterruptedException {
    Semaphore slots = new Semaphore(concurrency);
    List<Download> failed = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> running = new ArrayList<>();
    for (Download d : downloads) {
      slots.acquire();
      running.add(
          fetch(d, 1, bytes)
              .handle(
                  (ok, failure) -> {
                    if (failure != null) {
                      failed.add(d);
                      err.println("  could not download " + d.target() + ": " + rootCause(failure));
                    }
                    slots.release();
                    return null;
                  }));
    }
    CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
    return failed;
  }

  private CompletableFuture<Void> fetch(Download d, int attempt, AtomicLong bytes) {
    Path partial = d.target().resolveSibling(d.target().getFileName() + ".part");
    try {
      Files.createDirectories(d.target().getParent());
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    // no Authorization header: a presigned URL carries its own, and the key stays with the api
    HttpRequest request =
        HttpRequest.newBuilder(d.url()).timeout(Duration.ofMinutes(2)).GET().build();
    return api.http()
        .sendAsync(request, HttpResponse.BodyHandlers.ofFile(partial))
        .thenCompose(
            r -> {
              try {
                if (r.statusCode() != 200) {
                  Files.deleteIfExists(partial);
                  throw new IOException("HTTP " + r.statusCode());
                }
                bytes.addAndGet(Files.size(partial));
                Files.move(partial, d.target(), StandardCopyOption.REPLACE_EXISTING);
                return CompletableFuture.<Void>completedFuture(null);
              } catch (IOException e) {
                return CompletableFuture.<Void>failedFuture(e);
              }
            })
        .exceptionallyCompose(
            failure ->
                attempt < TRIES
                    ? fetch(d, attempt + 1, bytes)
                    : CompletableFuture.failedFuture(failure));
  }

  private static String rootCause(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
