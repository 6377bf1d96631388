package io.catalogimage.common.providerjob;

import io.catalogimage.common.id.ItemId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs batch-lane items into provider jobs: one model per job (both providers require it), one set
 * of options per job where the protocol needs it (OpenAI: generations and edits are separate
 * endpoints), at most the provider's size limit of lines per job. Items keep their order.
 */
public final class ProviderJobPacker {

  /** An item ready for the batch lane: the model it will ask, and its packing options. */
  public record Candidate(ItemId item, String model, String options) {}

  /** One job to submit. */
  public record Pack(String model, String options, List<ItemId> items) {}

  private ProviderJobPacker() {}

  public static List<Pack> pack(List<Candidate> candidates, int maxLines) {
    if (maxLines < 1) {
      throw new IllegalArgumentException("a provider job holds at least one line: " + maxLines);
    }
    Map<String, List<Candidate>> groups = new LinkedHashMap<>();
    for (Candidate c : candidates) {
      groups.computeIfAbsent(c.model() + "\n" + c.options(), k -> new ArrayList<>()).add(c);
    }
    List<Pack> packs = new ArrayList<>();
    for (List<Candidate> group : groups.values()) {
      for (int from = 0; from < group.size(); from += maxLines) {
        List<Candidate> slice = group.subList(from, Math.min(group.size(), from + maxLines));
        packs.add(
            new Pack(
                slice.get(0).model(),
                slice.get(0).options(),
                slice.stream().map(Candidate::item).toList()));
      }
    }
    return packs;
  }
}
