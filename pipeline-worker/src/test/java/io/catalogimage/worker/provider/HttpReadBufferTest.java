package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The read buffers of all connections a worker holds stay within their budget. */
class HttpReadBufferTest {

  @Test
  void aWorkerWithFewCallsInFlightReadsInLargeBuffers() {
    assertThat(HttpReadBuffer.sizeFor(64)).isEqualTo(256 * 1024);
    assertThat(HttpReadBuffer.sizeFor(1)).isEqualTo(256 * 1024);
  }

  @Test
  void theBuffersOfAllCallsInFlightFitTheBudgetDownToTheJdkDefault() {
    for (int calls : new int[] {128, 200, 512, 1000, 2048}) {
      assertThat((long) HttpReadBuffer.sizeFor(calls) * calls)
          .as("%d calls", calls)
          .isLessThanOrEqualTo(HttpReadBuffer.BUDGET);
    }
    assertThat(HttpReadBuffer.sizeFor(512)).isEqualTo(64 * 1024);
  }

  @Test
  void aWorkerHoldingThousandsOfCallsKeepsTheJdkDefault() {
    assertThat(HttpReadBuffer.sizeFor(5000)).isEqualTo(16 * 1024);
  }
}
