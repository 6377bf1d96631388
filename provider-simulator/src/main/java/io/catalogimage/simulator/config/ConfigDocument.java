package io.catalogimage.simulator.config;

import io.catalogimage.simulator.SimulatorConfig;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The YAML/JSON form of {@link SimulatorConfig} (documented in docs/simulator.md): {@link #apply}
 * overlays a document on a base config, only the keys present change; {@link #toTree} writes the
 * full form back (GET /sim/config). {@code toTree} then {@code apply} gives the same config.
 */
public final class ConfigDocument {
  private ConfigDocument() {}

  public static SimulatorConfig apply(JsonNode doc, SimulatorConfig base) {
    return ConfigReader.apply(doc, base);
  }

  public static ObjectNode toTree(SimulatorConfig config) {
    return ConfigWriter.toTree(config);
  }
}
