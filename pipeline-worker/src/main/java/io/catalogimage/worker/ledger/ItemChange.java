package io.catalogimage.worker.ledger;

import io.catalogimage.common.item.ItemState;
import java.time.Instant;
import java.util.Map;

/** What happens to the item after a call; applied only while this worker holds its lease. */
public sealed interface ItemChange {

  ItemState target();

  /**
   * @param altText alt text by locale (also in the sidecar; kept on the row for the manifest)
   * @param altTextChecks per locale: source and checks (written as JSON), or null
   */
  record Succeeded(
      String modelServed,
      String imageKey,
      String sidecarKey,
      Map<String, String> altText,
      String caption,
      String note,
      Object altTextChecks)
      implements ItemChange {

    public Succeeded(
        String modelServed,
        String imageKey,
        String sidecarKey,
        Map<String, String> altText,
        String caption,
        String note) {
      this(modelServed, imageKey, sidecarKey, altText, caption, note, null);
    }

    @Override
    public ItemState target() {
      return ItemState.SUCCEEDED;
    }
  }

  /**
   * Back to the queue, due at {@code notBefore}, on {@code nextModel}; {@code routeReason} says why
   * that model when it is not the one just called (written on the next attempt).
   */
  record Requeued(
      Instant notBefore,
      String nextModel,
      String routeReason,
      String errorType,
      String errorMessage,
      String note)
      implements ItemChange {
    @Override
    public ItemState target() {
      return ItemState.QUEUED;
    }
  }

  /** A terminal state other than success: FAILED, BLOCKED, CAP_REACHED, CANCELLED. */
  record Finished(ItemState state, String errorType, String errorMessage, String note)
      implements ItemChange {
    public Finished {
      if (!state.isTerminal() || state == ItemState.SUCCEEDED) {
        throw new IllegalArgumentException("not a failure state: " + state);
      }
    }

    @Override
    public ItemState target() {
      return state;
    }
  }
}
