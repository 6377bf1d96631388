package io.catalogimage.api.problem;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.stereotype.Component;

/**
 * Adds to every operation of the OpenAPI document the problem answers the api gives everywhere
 * (400, 401, 403, 429, 503; 404 where the path names something), as RFC 9457 problem details, so
 * that an integrator sees them next to each call without reading the code.
 */
@Component
class ProblemResponses implements OpenApiCustomizer {

  private static final String PROBLEM = "Problem";
  private static final String PROBLEM_JSON = "application/problem+json";

  @Override
  public void customise(OpenAPI api) {
    api.getComponents().addSchemas(PROBLEM, problemSchema());
    api.getPaths()
        .forEach(
            (path, item) ->
                item.readOperations().forEach(operation -> addProblems(path, operation)));
  }

  private static void addProblems(String path, Operation operation) {
    ApiResponses responses = operation.getResponses();
    boolean hasInput =
        operation.getRequestBody() != null
            || (operation.getParameters() != null
                && operation.getParameters().stream().anyMatch(p -> !"path".equals(p.getIn())));
    add(
        responses,
        "400",
        hasInput
            ? "invalid input: `errors[]` says what and where (field, line); or a refused request"
                + " (a path with ';', '//', '..' or encoded '/', a query that is not UTF-8)"
            : "a refused request (a path with ';', '//', '..' or encoded '/', a query that is not"
                + " UTF-8)");
    add(responses, "401", "no, unknown, revoked or malformed key (or token for /v1/admin)");
    if (path.startsWith("/v1/admin")) {
      add(responses, "403", "an API key: the admin api takes the admin token");
    } else {
      add(responses, "403", "the admin token: this call acts for a tenant and takes its API key");
    }
    if (path.contains("{")) {
      add(responses, "404", "no such thing for this key's tenant (another tenant's ids too)");
    }
    add(
        responses,
        "429",
        "too many failed authentications from this address or for this key; see Retry-After");
    add(responses, "503", "the database cannot be reached; retry after Retry-After seconds");
    responses.forEach(
        (status, response) -> {
          if (status.startsWith("4") && response.getContent() == null) {
            add(responses, status, response.getDescription());
          }
        });
  }

  private static void add(ApiResponses responses, String status, String description) {
    ApiResponse existing = responses.get(status);
    if (existing == null) {
      existing = new ApiResponse().description(description);
      responses.addApiResponse(status, existing);
    }
    existing.content(
        new Content()
            .addMediaType(
                PROBLEM_JSON,
                new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
  }

  private static Schema<?> problemSchema() {
    return new ObjectSchema()
        .description("RFC 9457 problem details; `type` is stable per kind of error")
        .addProperty("type", new StringSchema().description("a URI naming the kind of error"))
        .addProperty("title", new StringSchema())
        .addProperty("status", new IntegerSchema())
        .addProperty("detail", new StringSchema().description("what is wrong, in words"))
        .addProperty("instance", new StringSchema())
        .addProperty(
            "errors",
            new ArraySchema()
                .items(
                    new ObjectSchema()
                        .addProperty("field", new StringSchema().example("items[3].sku"))
                        .addProperty(
                            "line",
                            new IntegerSchema().description("the upload's line, for NDJSON/CSV"))
                        .addProperty("message", new StringSchema()))
                .description("each problem of an invalid submission (up to a cap)"))
        .addProperty(
            "errorCount", new IntegerSchema().description("all problems found, listed or not"));
  }
}
