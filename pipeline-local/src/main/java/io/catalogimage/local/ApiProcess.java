package io.catalogimage.local;

import io.catalogimage.api.ApiApplication;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The api in its own JVM, joined to a {@link LocalPipeline}: to kill it like a real process. */
public final class ApiProcess implements AutoCloseable {

  private final Process process;

  private ApiProcess(Process process) {
    this.process = process;
  }

  /** Starts the api on the pipeline's api port (see {@code Options.withApiAsProcess}). */
  public static ApiProcess start(
      LocalPipeline pipeline, List<String> jvmOptions, Map<String, Object> overrides, Path log) {
    Map<String, Object> props = new java.util.LinkedHashMap<>(pipeline.apiProperties());
    props.putAll(overrides);
    return new ApiProcess(
        WorkerProcess.launch(ApiApplication.class.getName(), jvmOptions, props, log));
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook runs, a request in progress is cut. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
