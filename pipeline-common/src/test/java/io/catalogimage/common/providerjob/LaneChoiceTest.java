package io.catalogimage.common.providerjob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.common.id.ItemId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LaneChoiceTest {
  private static final Instant NOW = Instant.parse("2026-12-05T20:00:00Z");
  // measured turnaround 6 h; 40 min of real time for the items; 20 min margin
  private final LaneChoice choice =
      new LaneChoice(Duration.ofHours(6), Duration.ofMinutes(40), Duration.ofMinutes(20));

  @Test
  void a_12_hour_deadline_goes_to_the_batch_lane_and_falls_back_an_hour_before_it() {
    Instant deadline = NOW.plus(Duration.ofHours(12));
    LaneChoice.Choice c = choice.choose(NOW, deadline, LaneChoice.Asked.NONE);
    assertThat(c.batch()).isTrue();
    assertThat(c.latestSafe()).isEqualTo(deadline.minus(Duration.ofHours(1)));
  }

  @Test
  void a_deadline_shorter_than_turnaround_plus_fallback_runs_in_real_time() {
    LaneChoice.Choice c = choice.choose(NOW, NOW.plus(Duration.ofHours(6)), LaneChoice.Asked.NONE);
    assertThat(c.batch()).isFalse();
    assertThat(c.reason()).contains("real time");
  }

  @Test
  void asking_for_the_batch_lane_wins_over_a_short_deadline_but_keeps_the_fallback() {
    Instant deadline = NOW.plus(Duration.ofHours(3));
    LaneChoice.Choice c = choice.choose(NOW, deadline, LaneChoice.Asked.BATCH);
    assertThat(c.batch()).isTrue();
    assertThat(c.latestSafe()).isEqualTo(deadline.minus(Duration.ofHours(1)));
  }

  @Test
  void a_deadline_with_no_room_even_for_the_fallback_is_real_time_whatever_was_asked() {
    LaneChoice.Choice c =
        choice.choose(NOW, NOW.plus(Duration.ofMinutes(30)), LaneChoice.Asked.BATCH);
    assertThat(c.batch()).isFalse();
  }

  @Test
  void without_a_deadline_only_an_explicit_ask_chooses_the_batch_lane() {
    assertThat(choice.choose(NOW, null, LaneChoice.Asked.NONE).batch()).isFalse();
    LaneChoice.Choice cost = choice.choose(NOW, null, LaneChoice.Asked.COST_PRIORITY);
    assertThat(cost.batch()).isTrue();
    assertThat(cost.latestSafe()).isNull();
  }

  @Test
  void packs_one_model_and_option_set_per_job_within_the_size_limit_in_order() {
    List<ProviderJobPacker.Candidate> candidates = new ArrayList<>();
    List<ItemId> nb2 = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ItemId id = new ItemId(UUID.randomUUID());
      nb2.add(id);
      candidates.add(new ProviderJobPacker.Candidate(id, "nb2", "plain"));
      candidates.add(
          new ProviderJobPacker.Candidate(new ItemId(UUID.randomUUID()), "gpt", "plain"));
    }
    candidates.add(
        new ProviderJobPacker.Candidate(new ItemId(UUID.randomUUID()), "gpt", "with-photo"));
    List<ProviderJobPacker.Pack> packs = ProviderJobPacker.pack(candidates, 2);
    assertThat(packs)
        .extracting(p -> p.model() + "/" + p.options() + "/" + p.items().size())
        .containsExactly(
            "nb2/plain/2",
            "nb2/plain/2",
            "nb2/plain/1",
            "gpt/plain/2",
            "gpt/plain/2",
            "gpt/plain/1",
            "gpt/with-photo/1");
    assertThat(packs.subList(0, 3).stream().flatMap(p -> p.items().stream()).toList())
        .containsExactlyElementsOf(nb2);
    assertThatThrownBy(() -> ProviderJobPacker.pack(candidates, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
