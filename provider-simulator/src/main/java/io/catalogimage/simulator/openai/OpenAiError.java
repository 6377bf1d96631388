package io.catalogimage.simulator.openai;

import io.catalogimage.simulator.http.HttpReply;
import io.catalogimage.simulator.http.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * An error in OpenAI's {@code {"error":{message,type,param,code}}} shape; thrown while parsing,
 * rendered by {@link #reply()}.
 */
final class OpenAiError extends RuntimeException {
  private final int status;
  private final String type;
  private final String param;
  private final String code;

  OpenAiError(int status, String message, String type, String param, String code) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  static OpenAiError invalidValue(String param, String message) {
    return new OpenAiError(400, message, "invalid_request_error", param, "invalid_value");
  }

  HttpReply reply() {
    return HttpReply.json(status, body(getMessage(), type, param, code));
  }

  int status() {
    return status;
  }

  static ObjectNode body(String message, String type, String param, String code) {
    ObjectNode root = Json.object();
    ObjectNode error = root.putObject("error");
    error.put("message", message);
    error.put("type", type);
    if (param == null) {
      error.putNull("param");
    } else {
      error.put("param", param);
    }
    if (code == null) {
      error.putNull("code");
    } else {
      error.put("code", code);
    }
    return root;
  }
}
