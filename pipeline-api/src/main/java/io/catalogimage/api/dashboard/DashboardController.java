package io.catalogimage.api.dashboard;

import io.swagger.v3.oas.annotations.Hidden;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The tenant's dashboard is a static page ({@code static/dashboard/}: plain JS over the /v1 api
 * with the tenant's key in the Authorization header); this only sends {@code /dashboard} to it.
 */
@Hidden
@RestController
class DashboardController {

  @GetMapping({"/dashboard", "/dashboard/"})
  ResponseEntity<Void> dashboard() {
    return ResponseEntity.status(HttpStatus.FOUND)
        .location(URI.create("/dashboard/index.html"))
        .build();
  }
}
