package io.catalogimage.common.item;

import static io.catalogimage.common.item.ItemState.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ItemStateTest {

  @Test
  void a_succeeded_item_moves_only_back_to_the_queue_for_an_edit() {
    for (ItemState next : values()) {
      assertThat(SUCCEEDED.canMoveTo(next)).as("SUCCEEDED -> " + next).isEqualTo(next == QUEUED);
    }
  }

  @Test
  void only_waiting_items_can_be_claimed() {
    assertThat(sourcesOf(RUNNING)).containsExactlyInAnyOrder(QUEUED, DISPATCHED);
  }

  @Test
  void a_running_item_can_end_in_every_outcome_or_go_back_to_the_queue() {
    assertThat(RUNNING.canMoveTo(SUCCEEDED)).isTrue();
    assertThat(RUNNING.canMoveTo(FAILED)).isTrue();
    assertThat(RUNNING.canMoveTo(BLOCKED)).isTrue();
    assertThat(RUNNING.canMoveTo(QUEUED)).isTrue();
    assertThat(RUNNING.canMoveTo(DISPATCHED)).isFalse();
  }

  @Test
  void failed_blocked_cancelled_and_capped_items_can_be_re_driven() {
    assertThat(sourcesOf(QUEUED)).contains(FAILED, BLOCKED, CANCELLED, CAP_REACHED);
  }

  @Test
  void terminal_states_are_the_ones_no_worker_moves() {
    assertThat(terminalStates())
        .containsExactlyInAnyOrder(SUCCEEDED, FAILED, BLOCKED, CANCELLED, CAP_REACHED);
  }
}
