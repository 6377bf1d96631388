package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.infra.LocalPostgres;
import io.catalogimage.local.fuzz.FuzzCases;
import io.catalogimage.local.fuzz.FuzzOracle;
import io.catalogimage.local.fuzz.FuzzRequest;
import java.net.ServerSocket;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzzing (jqwik) of every input surface of the api: JSON, NDJSON and CSV bodies,
 * upload options, Authorization, Idempotency-Key and Content-Type. A short run here (60 tries a
 * surface); {@code ./pipeline bench fuzz} runs 10,000. Each answer is judged by {@link FuzzOracle}:
 * no 5xx, problems for every 4xx, nothing stored by a refusal, no refusal missed, no partial batch,
 * no text stored altered.
 */
class ApiFuzzTest {

  private static LocalPipeline pipeline;
  private static FuzzOracle oracle;
  private static FuzzCases cases;

  @BeforeContainer
  static void start() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withWorkers(0)
                .withKafkaDown(closedPort)
                .withProperty("pipeline.security.failed-auth-per-minute", 100_000_000)
                .withProperty("pipeline.security.failed-auth-per-key-per-minute", 100_000_000),
            step -> {});
    oracle =
        new FuzzOracle(
            pipeline.apiUri().getPort(),
            pipeline.jdbcUrl(),
            LocalPostgres.USER,
            LocalPostgres.PASSWORD);
    cases = new FuzzCases(pipeline.apiKey());
  }

  @AfterContainer
  static void stop() throws Exception {
    try {
      assertThat(oracle.partialBatches()).as("partial batches").isZero();
    } finally {
      oracle.close();
      pipeline.close();
    }
  }

  private static void judged(FuzzRequest request) throws Exception {
    assertThat(oracle.judge(request).broken()).as(request.toString()).isEmpty();
  }

  @Provide
  Arbitrary<FuzzRequest> json() {
    return cases.surface("json");
  }

  @Provide
  Arbitrary<FuzzRequest> ndjson() {
    return cases.surface("ndjson");
  }

  @Provide
  Arbitrary<FuzzRequest> csv() {
    return cases.surface("csv");
  }

  @Provide
  Arbitrary<FuzzRequest> query() {
    return cases.surface("query");
  }

  @Provide
  Arbitrary<FuzzRequest> authorization() {
    return cases.surface("authorization");
  }

  @Provide
  Arbitrary<FuzzRequest> idempotencyKey() {
    return cases.surface("idempotency-key");
  }

  @Provide
  Arbitrary<FuzzRequest> contentType() {
    return cases.surface("content-type");
  }

  @Property(tries = 60, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void json_bodies(@ForAll("json") FuzzRequest r) throws Exception {
    judged(r);
  }

  @Property(tries = 60, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void ndjson_bodies(@ForAll("ndjson") FuzzRequest r) throws Exception {
    judged(r);
  }

  @Property(tries = 60, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void csv_bodies(@ForAll("csv") FuzzRequest r) throws Exception {
    judged(r);
  }

  @Property(tries = 60, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void upload_query_parameters(@ForAll("query") FuzzRequest r) throws Exception {
    judged(r);
  }

  @Property(tries = 60, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void authorization_headers(@ForAll("authorization") FuzzRequest r) throws Exception {
    judged(r);
  }

  @Property(tries = 60, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void idempotency_keys(@ForAll("idempotencyKey") FuzzRequest r) throws Exception {
    judged(r);
  }

  @Property(tries = 60, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void content_types(@ForAll("contentType") FuzzRequest r) throws Exception {
    judged(r);
  }
}
