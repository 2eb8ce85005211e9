-- The store's two roles. Run once, as a superuser, connected to the store's database:
--   psql -v ON_ERROR_STOP=1 -d article_facts -f deploy/postgres/roles.sql
-- then give each role a password (\password article_facts_writer) or another way in.
CREATE ROLE article_facts_writer LOGIN;
CREATE ROLE article_facts_reader LOGIN;
-- The writer owns the schema's tables: `article-facts migrate` creates them, `ingest` writes.
GRANT USAGE, CREATE ON SCHEMA public TO article_facts_writer;
-- Serving instances only read, every table the writer creates, now or in a later migration.
GRANT USAGE ON SCHEMA public TO article_facts_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE article_facts_writer IN SCHEMA public
  GRANT SELECT ON TABLES TO article_facts_reader;
