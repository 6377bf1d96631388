package io.catalogimage.worker.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class InFlightTest {

  @Test
  void no_item_starts_while_the_byte_budget_is_full_even_with_free_slots() {
    AtomicBoolean full = new AtomicBoolean(true);
    InFlight inFlight = new InFlight(10, full::get);

    assertThat(inFlight.tryStart()).isNull();

    full.set(false);
    InFlight.Slot slot = inFlight.tryStart();
    assertThat(slot).isNotNull();
    assertThat(inFlight.started()).isEqualTo(1);
    slot.release();
    assertThat(inFlight.started()).isZero();
  }
}
