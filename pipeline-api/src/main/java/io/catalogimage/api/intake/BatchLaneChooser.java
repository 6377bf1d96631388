package io.catalogimage.api.intake;

import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.message.KafkaTopicsProperties;
import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.providerjob.LaneChoice;
import io.catalogimage.common.providerjob.ProviderJobRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * The lane a batch's items start in: {@code batch} (the providers' Batch APIs, half price) when it
 * was asked for, or when the deadline leaves room for the tier's first model's measured turnaround
 * plus a real-time fallback; else the lane asked for ({@code cost-priority} without room becomes
 * {@code bulk}).
 */
@Component
class BatchLaneChooser {

  static final String BATCH = "batch";
  static final String COST_PRIORITY = "cost-priority";

  private final BatchLaneChoiceProperties props;
  private final ProviderJobRepository jobs;
  private final Tiers tiers;

  BatchLaneChooser(BatchLaneChoiceProperties props, ProviderJobRepository jobs, Tiers tiers) {
    this.props = props;
    this.jobs = jobs;
    this.tiers = tiers;
  }

  static boolean isBatchLaneName(String lane) {
    return BATCH.equals(lane) || COST_PRIORITY.equals(lane);
  }

  /**
   * @param start when the batch's work may start: now, or its {@code startAfter}
   */
  String lane(String asked, Instant deadline, Instant start, String tier) {
    Instant now = start;
    LaneChoice.Asked a =
        switch (asked) {
          case BATCH -> LaneChoice.Asked.BATCH;
          case COST_PRIORITY -> LaneChoice.Asked.COST_PRIORITY;
          default -> LaneChoice.Asked.NONE;
        };
    String otherwise = a == LaneChoice.Asked.NONE ? asked : KafkaTopicsProperties.DEFAULT_LANE;
    if (a == LaneChoice.Asked.NONE && (!props.byDeadline() || asked.equals("interactive"))) {
      return asked;
    }
    if (a == LaneChoice.Asked.NONE && deadline == null) {
      return asked;
    }
    List<ImageModel> chain = tiers.chain(tier).orElse(List.of());
    Duration turnaround =
        chain.isEmpty()
            ? props.defaultTurnaround()
            : jobs.turnaround(
                chain.get(0).id(),
                50,
                props.minJobs(),
                props.priorTurnaround(chain.get(0).id(), chain.get(0).family()));
    LaneChoice.Choice choice =
        new LaneChoice(turnaround, props.realTimeReserve(), props.margin())
            .choose(now, deadline, a);
    return choice.batch() ? BATCH : otherwise;
  }
}
