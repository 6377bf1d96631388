package io.catalogimage.worker.ledger;

import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.item.ItemState;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** What happens to the item after a call; applied only while this worker holds its lease. */
public sealed interface ItemChange {

  ItemState target();

  /**
   * @param altText alt text by locale (also in the sidecar; kept on the row for the manifest)
   * @param altTextChecks per locale: source and checks (written as JSON), or null
   * @param turn the conversation turn that made the image, kept for edits (null: none to keep)
   * @param editId the edit this image answers, or null for a generation
   */
  record Succeeded(
      String modelServed,
      String imageKey,
      String sidecarKey,
      Map<String, String> altText,
      String caption,
      String note,
      Object altTextChecks,
      Conversations.Turn turn,
      UUID editId)
      implements ItemChange {

    public Succeeded(
        String modelServed,
        String imageKey,
        String sidecarKey,
        Map<String, String> altText,
        String caption,
        String note) {
      this(modelServed, imageKey, sidecarKey, altText, caption, note, null, null, null);
    }

    /** A success whose alt text was checked, without a conversation to keep. */
    public Succeeded(
        String modelServed,
        String imageKey,
        String sidecarKey,
        Map<String, String> altText,
        String caption,
        String note,
        Object altTextChecks) {
      this(modelServed, imageKey, sidecarKey, altText, caption, note, altTextChecks, null, null);
    }

    /** A success with its conversation turn, alt text unchecked. */
    public Succeeded(
        String modelServed,
        String imageKey,
        String sidecarKey,
        Map<String, String> altText,
        String caption,
        String note,
        Conversations.Turn turn,
        UUID editId) {
      this(modelServed, imageKey, sidecarKey, altText, caption, note, null, turn, editId);
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

  /**
   * An edit that made no new image (blocked for safety, failed for good): the edit ends in {@code
   * editState} (BLOCKED or FAILED) and the item is SUCCEEDED again with the image it had.
   */
  record EditEnded(UUID editId, String editState, String errorType, String errorMessage)
      implements ItemChange {
    @Override
    public ItemState target() {
      return ItemState.SUCCEEDED;
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
