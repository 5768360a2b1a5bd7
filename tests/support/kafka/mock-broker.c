/*
 * A Kafka-protocol broker for tests: librdkafka's mock cluster (Debian's
 * librdkafka-dev), on 127.0.0.1. Prints "bootstraps <host:port>" once ready,
 * then reads commands from stdin, one per line:
 *   topic <name> <partitions>   create a topic
 *   down / up                   take the broker down / bring it back
 * and exits at end of input. Everything is kept in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int main(void) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, 1);
  if (!cluster) {
    fprintf(stderr, "could not start the mock cluster\n");
    return 1;
  }
  printf("bootstraps %s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);

  char line[512];
  while (fgets(line, sizeof(line), stdin)) {
    char name[256];
    int partitions;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (sscanf(line, "topic %255s %d", name, &partitions) == 2) {
      err = rd_kafka_mock_topic_create(cluster, name, partitions, 1);
    } else if (strncmp(line, "down", 4) == 0) {
      err = rd_kafka_mock_broker_set_down(cluster, 1);
    } else if (strncmp(line, "up", 2) == 0) {
      err = rd_kafka_mock_broker_set_up(cluster, 1);
    } else {
      fprintf(stderr, "unknown command: %s", line);
      continue;
    }
    printf("%s %s\n", err ? "error" : "ok", err ? rd_kafka_err2str(err) : "");
    fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return 0;
}
