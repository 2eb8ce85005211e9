#!/bin/bash
# The API's two PostgreSQL roles, made once when the database is first initialised (the
# official postgres image runs /docker-entrypoint-initdb.d/*.sh then, as POSTGRES_USER, in
# POSTGRES_DB). deploy/compose.yaml mounts this file there; deploy/k8s/postgres.yaml carries
# the same text in a ConfigMap (tests/test_k8s.py keeps the two equal).
#
#   article_facts_writer  owns the database and so its tables: `article-facts migrate`,
#                         `ingest`, `withdraw`, `rebuild`
#   article_facts_reader  reads every table the writer makes, now and later: the API replicas
#
# The passwords come from ARTICLE_FACTS_WRITER_PASSWORD and ARTICLE_FACTS_READER_PASSWORD, the
# same ones the URLs of the writer and the reader carry. The image may source this file rather
# than run it, so it sets no shell options of its own; ON_ERROR_STOP makes a failure psql's
# exit status.
psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v writer_password="$ARTICLE_FACTS_WRITER_PASSWORD" \
  -v reader_password="$ARTICLE_FACTS_READER_PASSWORD" \
  -v database="$POSTGRES_DB" <<'SQL'
CREATE ROLE article_facts_writer LOGIN PASSWORD :'writer_password';
CREATE ROLE article_facts_reader LOGIN PASSWORD :'reader_password';
-- The database's owner creates in its public schema (PostgreSQL 15 gives PUBLIC no CREATE).
ALTER DATABASE :"database" OWNER TO article_facts_writer;
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO article_facts_writer, article_facts_reader;
GRANT USAGE ON SCHEMA public TO article_facts_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE article_facts_writer IN SCHEMA public
  GRANT SELECT ON TABLES TO article_facts_reader;
SQL
