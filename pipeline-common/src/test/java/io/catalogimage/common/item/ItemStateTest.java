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
  void only_waiting_items_and_answered_provider_batch_lines_can_be_claimed() {
    assertThat(sourcesOf(RUNNING)).containsExactlyInAnyOrder(QUEUED, DISPATCHED, IN_PROVIDER_BATCH);
  }

  @Test
  void an_item_in_a_provider_batch_is_open_and_leaves_only_to_settle_requeue_or_cancel() {
    assertThat(IN_PROVIDER_BATCH.isTerminal()).isFalse();
    assertThat(sourcesOf(IN_PROVIDER_BATCH)).containsExactly(RUNNING);
    assertThat(IN_PROVIDER_BATCH.canMoveTo(RUNNING)).isTrue();
    assertThat(IN_PROVIDER_BATCH.canMoveTo(QUEUED)).isTrue();
    assertThat(IN_PROVIDER_BATCH.canMoveTo(CANCELLED)).isTrue();
    assertThat(IN_PROVIDER_BATCH.canMoveTo(SUCCEEDED)).as("only through a held settle").isFalse();
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
