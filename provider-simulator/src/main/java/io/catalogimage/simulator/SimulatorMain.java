package io.catalogimage.simulator;

import io.catalogimage.simulator.config.ConfigLoader;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone entry point: {@code java -jar provider-simulator-...-exec.jar --port 8090}. Binds
 * 0.0.0.0 unless {@code --host} / {@code server.host} says otherwise, logs the base URL, runs until
 * killed.
 */
public final class SimulatorMain {
  private SimulatorMain() {}

  public static void main(String[] args) throws InterruptedException {
    // Our logback config ships under a private name so embedding the library never overrides
    // the host application's logging; the standalone jar opts in here, before any logger exists.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback-simulator.xml");
    }
    Logger log = LoggerFactory.getLogger(SimulatorMain.class);
    SimulatorConfig config;
    try {
      config = ConfigLoader.load(args, System.getenv());
    } catch (ConfigLoader.ConfigException e) {
      System.err.println("provider-simulator: " + e.getMessage());
      System.exit(2);
      return;
    }
    ProviderSimulator sim = ProviderSimulator.start(config, "0.0.0.0");
    log.info(
        "Gemini: {}/v1beta/models/{model}:generateContent  OpenAI: {}/v1/images/generations"
            + "  stats: {}/sim/stats  keys: {}  timeScale: {}  seed: {}",
        sim.baseUri(),
        sim.baseUri(),
        sim.baseUri(),
        config.apiKeys().keySet(),
        config.timeScale(),
        config.seed());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  sim.close();
                  stopped.countDown();
                },
                "sim-shutdown"));
    stopped.await();
  }
}
