package io.catalogimage.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

class LocalInfraTest {

  @Test
  void postgres_answers_queries_in_a_created_database() throws Exception {
    try (LocalPostgres pg = LocalPostgres.start()) {
      String url = pg.createDatabase("infra_test");
      try (var c = DriverManager.getConnection(url, LocalPostgres.USER, LocalPostgres.PASSWORD);
          ResultSet rs = c.createStatement().executeQuery("select current_database()")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("infra_test");
      }
    }
  }

  @Test
  void kafka_delivers_a_produced_record() throws Exception {
    try (LocalKafka kafka = LocalKafka.start();
        AdminClient admin =
            AdminClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic("smoke", 1, (short) 1))).all().get();
      Properties p = new Properties();
      p.put("bootstrap.servers", kafka.bootstrapServers());
      try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("smoke", "k", "hello")).get();
      }
      p.put("group.id", "smoke");
      p.put("auto.offset.reset", "earliest");
      try (var consumer =
          new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(List.of("smoke"));
        ConsumerRecords<String, String> records = ConsumerRecords.empty();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (records.isEmpty() && System.nanoTime() < deadline) {
          records = consumer.poll(Duration.ofMillis(500));
        }
        assertThat(records.iterator().next().value()).isEqualTo("hello");
      }
    }
  }

  @Test
  void kafka_starts_on_the_port_it_was_asked_for() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (LocalKafka kafka = LocalKafka.start(port);
        AdminClient admin = AdminClient.create(Map.of("bootstrap.servers", "127.0.0.1:" + port))) {
      assertThat(kafka.bootstrapServers()).endsWith(":" + port);
      admin.createTopics(List.of(new NewTopic("on-port", 1, (short) 1))).all().get();
      assertThat(admin.listTopics().names().get()).contains("on-port");
    }
  }

  @Test
  void s3_stores_objects_as_files_a_person_can_open(@TempDir Path dir) throws Exception {
    try (LocalS3 s3 = LocalS3.onDisk(dir, 0)) {
      s3.createBucket("images");
      try (S3Client client =
          S3Client.builder()
              .endpointOverride(s3.endpoint())
              .region(Region.US_EAST_1)
              .forcePathStyle(true)
              .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
              .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
              .credentialsProvider(
                  StaticCredentialsProvider.create(
                      AwsBasicCredentials.create(LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY)))
              .build()) {
        client.putObject(b -> b.bucket("images").key("a/b/c.txt"), RequestBody.fromString("hi"));
        assertThat(client.getObjectAsBytes(b -> b.bucket("images").key("a/b/c.txt")).asUtf8String())
            .isEqualTo("hi");
      }
      assertThat(Files.readString(dir.resolve("images/a/b/c.txt"), StandardCharsets.UTF_8))
          .isEqualTo("hi");
    }
  }
}
