package io.catalogimage.local;

import io.catalogimage.worker.WorkerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A worker in its own JVM, joined to a {@link LocalPipeline}: to kill it like a real process, or to
 * measure its CPU and heap alone.
 */
public final class WorkerProcess implements AutoCloseable {

  private final Process process;

  private WorkerProcess(Process process) {
    this.process = process;
  }

  /**
   * @param jvmOptions e.g. {@code -Xmx512m}
   * @param overrides settings on top of the pipeline's (worker id, max in flight...)
   * @param log where its output goes
   */
  public static WorkerProcess start(
      LocalPipeline pipeline, List<String> jvmOptions, Map<String, Object> overrides, Path log) {
    Map<String, Object> props = new java.util.LinkedHashMap<>(pipeline.commonProperties());
    if (!overrides.containsKey("server.port")) {
      props.put("server.port", 0);
    }
    props.putAll(overrides);
    return new WorkerProcess(launch(WorkerApplication.class.getName(), jvmOptions, props, log));
  }

  /**
   * Starts {@code mainClass} of this classpath in a new JVM with these settings as command-line
   * arguments; its output goes to {@code log}.
   */
  static Process launch(
      String mainClass, List<String> jvmOptions, Map<String, Object> props, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    String classPath = System.getProperty("java.class.path");
    command.add("-cp");
    command.add(classPath);
    if (classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)) {
      // run from the Spring Boot fat jar (./pipeline): our classes are nested in it, so the jar's
      // own launcher has to start the worker's main class
      command.add("-Dloader.main=" + mainClass);
      command.add("org.springframework.boot.loader.launch.PropertiesLauncher");
    } else {
      command.add(mainClass);
    }
    props.forEach((k, v) -> command.add("--" + k + "=" + v));
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      return new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + mainClass, e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hook runs, nothing is handed back. */
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
