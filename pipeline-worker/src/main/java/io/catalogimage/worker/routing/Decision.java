package io.catalogimage.worker.routing;

import io.catalogimage.common.item.ItemState;
import java.time.Instant;

/** What to do after a provider call: the routing policy's answer, recorded on the attempt. */
public sealed interface Decision {

  /** In words, for the attempt history. */
  String describe();

  /** Keep the image. */
  record Accept(String note) implements Decision {
    @Override
    public String describe() {
      return note == null ? "accepted" : "accepted: " + note;
    }
  }

  /** Try again at {@code at}, on {@code model} (the same or the next of the tier). */
  record RetryAt(Instant at, String model, String reason) implements Decision {
    @Override
    public String describe() {
      return "retry at " + at + " on " + model + ": " + reason;
    }
  }

  /** Stop: the item ends in {@code state} (FAILED or BLOCKED) with the reason. */
  record GiveUp(ItemState state, String errorType, String reason) implements Decision {
    @Override
    public String describe() {
      return state + ": " + reason;
    }
  }
}
