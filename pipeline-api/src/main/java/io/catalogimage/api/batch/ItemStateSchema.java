package io.catalogimage.api.batch;

import io.catalogimage.common.item.ItemState;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.stereotype.Component;

/**
 * Lists an item's states in the OpenAPI document (the {@code state} of item rows and details, the
 * {@code state} filter of the items list), taken from {@link ItemState} itself, so that a new state
 * (such as IN_PROVIDER_BATCH, an item out in a provider's batch job) is documented the moment it
 * exists, never forgotten in an annotation.
 */
@Component
class ItemStateSchema implements OpenApiCustomizer {

  static final List<String> STATES = Arrays.stream(ItemState.values()).map(Enum::name).toList();

  private static final String DESCRIPTION =
      "the item's state: QUEUED (waiting), DISPATCHED (sent to a worker), RUNNING (a call in"
          + " flight), IN_PROVIDER_BATCH (out in a provider's batch job at half price, until it"
          + " returns or falls back to real time before the deadline), SUCCEEDED, FAILED, BLOCKED"
          + " (a safety block), CANCELLED, CAP_REACHED (held by a cost cap)";

  @Override
  public void customise(OpenAPI api) {
    Map<String, Schema> schemas = api.getComponents().getSchemas();
    for (String name : List.of("ItemSummary", "ItemDetail")) {
      Schema<?> schema = schemas == null ? null : schemas.get(name);
      if (schema != null && schema.getProperties() != null) {
        Schema<?> state = schema.getProperties().get("state");
        if (state != null) {
          enumerate(state);
        }
      }
    }
    api.getPaths()
        .forEach(
            (path, item) ->
                item.readOperations()
                    .forEach(
                        op -> {
                          if (op.getParameters() == null || !path.endsWith("/items")) {
                            return;
                          }
                          for (Parameter p : op.getParameters()) {
                            if ("state".equals(p.getName()) && p.getSchema() != null) {
                              enumerate(p.getSchema());
                            }
                          }
                        }));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void enumerate(Schema schema) {
    schema.setEnum(STATES);
    schema.setDescription(DESCRIPTION);
  }
}
