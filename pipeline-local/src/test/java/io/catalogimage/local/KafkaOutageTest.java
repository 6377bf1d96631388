package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.simulator.SimulatorConfig;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Kafka is down when the catalog arrives: the batch is accepted and completes once Kafka is up. */
class KafkaOutageTest {

  private LocalPipeline pipeline;

  @AfterEach
  void stop() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  @Test
  void a_batch_accepted_while_kafka_is_down_completes_when_it_returns() throws Exception {
    int kafkaPort;
    try (ServerSocket s = new ServerSocket(0)) {
      kafkaPort = s.getLocalPort();
    }
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withKafkaDown(kafkaPort)
                .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0.0))
                .withProperty("pipeline.dispatch.poll-interval", "200ms"),
            step -> {});

    String batchId = Pipelines.submit(pipeline, Catalogs.twoVariants("outage", 5, "en"));

    assertThat(Pipelines.batch(pipeline, batchId).path("state").asString()).isEqualTo("ACCEPTED");
    assertThat(Pipelines.states(pipeline, batchId)).containsOnlyKeys("QUEUED");

    pipeline.startKafka();
    Pipelines.awaitCompleted(pipeline, batchId, Duration.ofSeconds(120));
    assertThat(Pipelines.states(pipeline, batchId)).containsOnlyKeys("SUCCEEDED");
  }
}
