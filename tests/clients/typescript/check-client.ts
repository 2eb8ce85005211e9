// Call every operation through openapi-fetch, typed by the paths openapi-typescript generates
// from the served document, unmodified. Run by tests/test_clients.py against gunicorn:
// `node check-client.js BASE_URL` after `tsc` (strict) compiled it with the generated
// schema.d.ts beside it. Every call checks what came back; it exits non-zero on the first
// wrong answer.
import { createHash } from "node:crypto";

import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];
const ARTICLE_ID = "north-korean-troops-help-russian-army-clear-mines";
const article = { path: { article_id: ARTICLE_ID } };

function check(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new Error(message);
  }
}

function isWhole<Whole extends object>(item: object, required: keyof Whole): item is Whole {
  return required in item;
}

// JSON answers and problems (application/problem+json): `data` and `error` get the
// document's JSON types. Not the CSV, NDJSON or linked data (`+json`) the lists also offer.
const client = createClient<paths, "application/json" | "application/problem+json">({
  baseUrl: process.argv[2],
});

async function checkEveryOperation(): Promise<void> {
  const live = await client.GET("/healthz");
  check(live.data?.status === "ok", `liveness: ${JSON.stringify(live.data)}`);
  const ready = await client.GET("/readyz");
  check(ready.data?.status === "ready", `readiness: ${JSON.stringify(ready.data)}`);

  const summaries = await client.GET("/v1/articles", { params: { query: { sort: ["-id"] } } });
  check(summaries.data?.some((summary) => summary.id === ARTICLE_ID), "article list");

  const metadata = await client.GET("/v1/articles/{article_id}", { params: article });
  // Every version of the article, oldest first, and the first one pinned.
  const versions = await client.GET("/v1/articles/{article_id}/versions", { params: article });
  check(versions.data?.[0]?.version === 1, "versions");
  const pinned = await client.GET("/v1/articles/{article_id}/text", {
    params: { ...article, query: { version: 1 } },
    parseAs: "text",
  });
  check(pinned.data, "the text of version 1");

  const text = await client.GET("/v1/articles/{article_id}/text", {
    params: article,
    parseAs: "text",
  });
  // The article's URL also serves JSON-LD (an object): the metadata is the one with `sha256`.
  check(metadata.data && isWhole<Schemas["Article"]>(metadata.data, "sha256"), "metadata");
  check(text.data !== undefined, "text");
  const digest = createHash("sha256").update(text.data, "utf8").digest("hex");
  check(digest === metadata.data.sha256, "the text's SHA-256 is the article's");

  // Two fields and a descending sort: openapi-fetch repeats the key for each list item.
  const people = await client.GET("/v1/articles/{article_id}/entities", {
    params: {
      ...article,
      query: { type: "person", fields: ["name", "type"], sort: ["-name"], page_size: 100 },
    },
  });
  check(people.data, "people");
  const names = people.data.map((person) => person.name ?? "");
  check(names.length === metadata.data.facets.entities_by_type.person, `people: ${names}`);
  check(names.join() === [...names].sort().reverse().join(), `sorted by -name: ${names}`);
  check(people.data.every((person) => Object.keys(person).join() === "id,name,type"), "fields");

  // Entities with a Wikidata item, then the one entity with a given item.
  const identified = await client.GET("/v1/articles/{article_id}/entities", {
    params: { ...article, query: { wikidata: "true", fields: ["name", "wikidata"] } },
  });
  check(identified.data?.length, "entities with a Wikidata item");
  check(identified.data.every((entity) => typeof entity.wikidata === "string"), "QIDs");
  const northKorea = await client.GET("/v1/articles/{article_id}/entities", {
    params: { ...article, query: { wikidata: "Q423" } },
  });
  check(northKorea.data?.map((entity) => entity.id).join() === "north-korea", "Q423");

  const veles = await client.GET("/v1/articles/{article_id}/entities/{entity_id}", {
    params: { path: { ...article.path, entity_id: "veles" } },
  });
  check(veles.data && isWhole<Schemas["Entity"]>(veles.data, "mentions"), "whole entity");
  for (const mention of veles.data.mentions) {
    check([...text.data].slice(mention.start, mention.end).join("") === mention.text, "span");
  }

  const quotes = await client.GET("/v1/articles/{article_id}/quotes", {
    params: { ...article, query: { speaker: "dmitry-peskov", embed: ["speaker", "outlet"] } },
  });
  check(quotes.data?.length === 2, "two quotes by Peskov");
  for (const quote of quotes.data) {
    check(quote.speaker?.id === quote.speaker_id, "speaker embedded");
    check("outlet" in quote, "outlet embedded, null where there is none");
  }

  const learning = await client.GET("/v1/articles/{article_id}/quotes/{quote_id}", {
    params: {
      path: { ...article.path, quote_id: "skibytsky-they-are-learning" },
      query: { embed: ["outlet"] },
    },
  });
  const channel: Schemas["Channel"] | null | undefined = learning.data?.channel;
  check(channel === "interview" && learning.data?.outlet?.name === "Reuters", "quote, outlet");
  const inserted = learning.data?.insertions?.map((insertion) => insertion.text).join();
  check(inserted === "(in this war)", `insertions ${inserted}`);

  const figures = await client.GET("/v1/articles/{article_id}/figures", {
    params: {
      ...article,
      query: { source: "vadym-skibytsky", sort: ["-value"], embed: ["sources", "entities"] },
    },
  });
  check(figures.data, "figures");
  const values = figures.data.map((figure) => figure.value ?? 0);
  const descending = [...values].sort((a, b) => b - a);
  check(values[0] === 6500000 && values.join() === descending.join(), `-value: ${values}`);
  for (const figure of figures.data) {
    const sources = figure.sources?.map((source) => source.id);
    check(sources?.join() === figure.source_ids?.join(), "sources embedded");
  }

  const total = await client.GET("/v1/articles/{article_id}/figures/{figure_id}", {
    params: {
      path: { ...article.path, figure_id: "artillery-shells-total" },
      query: { fields: ["value", "unit"] },
    },
  });
  check(
    JSON.stringify(total.data) ===
      JSON.stringify({ id: "artillery-shells-total", value: 6500000, unit: "artillery shells" }),
    `sparse figure: ${JSON.stringify(total.data)}`,
  );

  const events = await client.GET("/v1/articles/{article_id}/timeline", {
    params: {
      ...article,
      query: { from: "2024", to: "2024", embed: ["entities", "quotes"], sort: ["date", "-id"] },
    },
  });
  check(events.data?.length, "events of 2024");
  for (const event of events.data) {
    check(event.date?.startsWith("2024"), `an event of 2024: ${event.date}`);
    const entities = event.entities?.map((entity) => entity.id);
    check(entities?.join() === event.entity_ids?.join(), "entities embedded");
  }

  const assault = await client.GET("/v1/articles/{article_id}/timeline/{event_id}", {
    params: { path: { ...article.path, event_id: "ukraine-assaults-kursk" } },
  });
  const precision: Schemas["DatePrecision"] | undefined = assault.data?.precision;
  check(assault.data?.date === "2024-08" && precision === "month", "event");

  const claims = await client.GET("/v1/articles/{article_id}/claims", {
    params: {
      ...article,
      query: {
        claimant: "vadym-skibytsky",
        mode: "indirect",
        embed: ["claimants", "figures"],
        sort: ["polarity", "-id"],
      },
    },
  });
  check(claims.data, "claims");
  const claimIds = claims.data.map((claim) => claim.id).join();
  check(claimIds === "skibytsky-shells-since-2023,skibytsky-millions-of-shells", claimIds);
  for (const claim of claims.data) {
    check(isWhole<Schemas["Claim"]>(claim, "content"), "whole claim");
    const mode: Schemas["ClaimMode"] = claim.mode;
    const polarity: Schemas["ClaimPolarity"] = claim.polarity;
    check(mode === "indirect" && polarity === "asserted", `${mode} ${polarity}`);
    const content = [...text.data].slice(claim.content.start, claim.content.end).join("");
    check(content === claim.content.text, "content span");
    const first = claim.statements[0];
    check(first?.cue.start === claim.cue.start && first?.content.end === claim.content.end, "statements");
    const claimants = claim.claimants?.map((entity) => entity.id);
    check(claimants?.join() === claim.claimant_ids.join(), "claimants embedded");
    const stated = claim.figures?.map((figure) => figure.id);
    check(stated?.join() === claim.figure_ids.join(), "figures embedded");
  }

  const ties = await client.GET("/v1/articles/{article_id}/claims/{claim_id}", {
    params: {
      path: { ...article.path, claim_id: "kim-ties-will-continue" },
      query: { embed: ["quotes", "events"] },
    },
  });
  check(ties.data && isWhole<Schemas["Claim"]>(ties.data, "content"), "whole claim");
  const claimChannel: Schemas["Channel"] | null = ties.data.channel;
  check(claimChannel === "statement" && ties.data.mode === "partial", "claim channel, mode");
  check(ties.data.quotes?.map((quote) => quote.id).join() === ties.data.quote_ids.join(), "quotes");
  check(ties.data.events?.map((event) => event.id).join() === ties.data.event_ids.join(), "events");

  // Everything said of Russia on either side, then one relation with its ends inline.
  const aboutRussia = await client.GET("/v1/articles/{article_id}/relations", {
    params: { ...article, query: { entity: "russia", predicate: "party_to" } },
  });
  check(aboutRussia.data, "relations");
  check(aboutRussia.data.map((relation) => relation.id).join() === "russia-party-to-pact", "relation");
  const leader = await client.GET("/v1/articles/{article_id}/relations/{relation_id}", {
    params: {
      path: { ...article.path, relation_id: "kim-jong-un-leader-of-north-korea" },
      query: { embed: ["subject", "object"] },
    },
  });
  check(leader.data && isWhole<Schemas["Relation"]>(leader.data, "summary"), "whole relation");
  const predicate: Schemas["RelationPredicate"] = leader.data.predicate;
  check(predicate === "leader_of", predicate);
  check(
    leader.data.subject?.name === "Kim Jong-un" && leader.data.object?.name === "North Korea",
    "relation ends embedded",
  );

  const hits = await client.GET("/v1/articles/{article_id}/search", {
    params: { ...article, query: { q: "Kursk", kind: ["event", "entity"] } },
  });
  check(hits.data?.length, "search hits");
  for (const hit of hits.data) {
    const kind: Schemas["FactKind"] = hit.kind;
    check(kind === "event" || kind === "entity", `hit kind ${kind}`);
    if (hit.field === "text") {
      const match = hit.match;
      check(match, "a text hit has its span");
      check([...text.data].slice(match.start, match.end).join("") === match.text, "match");
    }
  }
}

// The lists across articles, filtered by Wikidata QID; a walk by cursor; the feed of changes.
async function checkAcrossArticles(): Promise<void> {
  const quotes = await client.GET("/v1/quotes", { params: { query: { speaker: "Q56226" } } });
  check(quotes.data?.length === 1, `quotes by Q56226: ${JSON.stringify(quotes.data)}`);
  check(quotes.data[0]?.article_id === ARTICLE_ID, "a quote's article");
  const figures = await client.GET("/v1/figures", { params: { query: { q: "shells" } } });
  check(figures.data?.length, "figures about shells");
  const events = await client.GET("/v1/timeline", {
    params: { query: { entity: "Q423", from: "2024" } },
  });
  check(events.data?.every((event) => (event.date ?? "") >= "2024"), "events from 2024");
  const claims = await client.GET("/v1/claims", {
    params: { query: { claimant: "Q423", polarity: "asserted" } },
  });
  check(claims.data?.length, "claims North Korea asserts");
  const relations = await client.GET("/v1/relations", {
    params: { query: { subject: "Q56226" } },
  });
  check(relations.data?.[0]?.object_id === "north-korea", "Kim Jong-un's relations");

  const all = await client.GET("/v1/entities", { params: { query: { page_size: 1000 } } });
  check(all.data?.length, "every entity");
  const walked: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.GET("/v1/entities", {
      params: { query: { page_size: 7, fields: ["name", "type"], ...(cursor ? { cursor } : {}) } },
    });
    check(page.data, "a page of entities");
    check(Number(page.response.headers.get("X-Total-Count")) === all.data.length, "total");
    walked.push(...page.data.map((entity) => `${entity.article_id}/${entity.id}`));
    const link = page.response.headers.get("Link");
    if (!link) {
      break;
    }
    const target = new URL(link.split(";")[0]!.trim().replace(/^<|>$/g, ""), "http://x");
    cursor = target.searchParams.get("cursor") ?? undefined;
    check(cursor, `a cursor in ${link}`);
  }
  const expected = all.data.map((entity) => `${entity.article_id}/${entity.id}`);
  check(walked.join() === expected.join(), `the walk: ${walked}`);

  // One entity across articles, by its QID, with links to its facts across articles.
  const korea = await client.GET("/v1/wikidata/{qid}", { params: { path: { qid: "Q423" } } });
  check(korea.data?.article_count === 1, `Q423: ${JSON.stringify(korea.data)}`);
  check(korea.data.articles[0]?.entity_id === "north-korea", "its id in the article");
  check(korea.data.links.quotes === "/v1/quotes?speaker=Q423", "its quotes across articles");
  const unnamed = await client.GET("/v1/wikidata/{qid}", { params: { path: { qid: "Q1" } } });
  check(unnamed.error?.status === 404, `a QID no article names: ${unnamed.response.status}`);
  // The article list's filters: a QID it names, its outlet, and its publication time.
  const filtered = await client.GET("/v1/articles", {
    params: {
      query: {
        entity: "Q423",
        outlet: "the telegraph",
        published_from: "2025-11",
        published_to: "2025-11-16",
        sort: ["published"],
      },
    },
  });
  check(filtered.data?.map((summary) => summary.id).join() === ARTICLE_ID, "filtered articles");
  const later = await client.GET("/v1/articles", {
    params: { query: { published_from: "2025-11-16T09:40" } },
  });
  check(later.data?.length === 0, "no article published later");
  // And by words, as search across articles finds them.
  const worded = await client.GET("/v1/articles", { params: { query: { q: "Kim Jong-un" } } });
  check(worded.data?.map((summary) => summary.id).join() === ARTICLE_ID, "articles by words");

  const changes = await client.GET("/v1/changes", { params: { query: { since: 0 } } });
  check(changes.data?.[0]?.article_id === ARTICLE_ID, "the first change");
  const last = changes.data[changes.data.length - 1]!.generation;
  const none = await client.GET("/v1/changes", { params: { query: { since: last } } });
  check(none.data?.length === 0, "nothing after the last change");
}

// A whole list as NDJSON (one object per line), then the exports of the corpus and one
// downloaded, its SHA-256 and size as listed.
async function checkStreamsAndExports(): Promise<void> {
  const listed = await client.GET("/v1/claims", {
    params: { query: { claimant: "Q423", page_size: 1000 } },
  });
  const total = Number(listed.response.headers.get("X-Total-Count"));
  const streamed = await client.GET("/v1/claims", {
    params: { query: { claimant: "Q423", page_size: 1 } },
    headers: { Accept: "application/x-ndjson" },
    parseAs: "text",
  });
  check(streamed.response.headers.get("Content-Type") === "application/x-ndjson", "NDJSON");
  const lines = (streamed.data ?? "").split("\n").filter((line) => line !== "");
  const claims = lines.map((line) => JSON.parse(line) as Schemas["ClaimWithArticle"]);
  check(claims.length === total && total > 1, `NDJSON lines ${claims.length} of ${total}`);
  check(JSON.stringify(claims) === JSON.stringify(listed.data), "NDJSON is the list");

  const exports = await client.GET("/v1/exports");
  const newest = exports.data?.[0];
  check(newest, "an export listed");
  const file = await client.GET("/v1/exports/{name}", {
    params: { path: { name: newest.name } },
    parseAs: "arrayBuffer",
  });
  check(file.data, "the export's bytes");
  const digest = createHash("sha256").update(Buffer.from(file.data)).digest("hex");
  check(digest === newest.sha256 && file.data.byteLength === newest.size, "export hash, size");
}

// Search across articles: filters, spans in the text, facets and a walk by cursor.
async function checkSearchAcrossArticles(): Promise<void> {
  const text = await client.GET("/v1/articles/{article_id}/text", {
    params: article,
    parseAs: "text",
  });
  check(text.data, "the text");
  const found = await client.GET("/v1/search", {
    params: {
      query: {
        q: "Kim Jong-un",
        kind: ["entity", "text"],
        entity: "Q56226",
        published_from: "2025",
        page_size: 1000,
      },
    },
  });
  const data = found.data;
  check(data?.results.length, `search results: ${JSON.stringify(found.error)}`);
  const results = data.results;
  for (const result of results) {
    check(["entity", "text"].includes(result.kind), `a kind asked for: ${result.kind}`);
    check(result.snippet.includes("<mark>"), "a highlighted snippet");
    for (const span of result.spans) {
      check([...text.data].slice(span.start, span.end).join("") === span.text, "a span");
    }
  }
  const kinds = Object.values(data.facets.kind);
  check(kinds.reduce((sum, count) => sum + count, 0) === results.length, "the kind facet");
  check(data.facets.entity["Q56226"] === results.length, "the entity facet");

  const all = await client.GET("/v1/search", { params: { query: { q: "Kursk", page_size: 1000 } } });
  check(all.data?.results.length, "every result");
  const walked: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.GET("/v1/search", {
      params: { query: { q: "Kursk", page_size: 7, ...(cursor ? { cursor } : {}) } },
    });
    check(page.data, "a page of results");
    const total = Number(page.response.headers.get("X-Total-Count"));
    check(total === all.data.results.length, "the total");
    walked.push(...page.data.results.map((result) => `${result.kind}/${result.id}`));
    const link = page.response.headers.get("Link");
    if (!link) {
      break;
    }
    const target = new URL(link.split(";")[0]!.trim().replace(/^<|>$/g, ""), "http://x");
    cursor = target.searchParams.get("cursor") ?? undefined;
    check(cursor, `a cursor in ${link}`);
  }
  const expected = all.data.results.map((result) => `${result.kind}/${result.id}`);
  check(walked.join() === expected.join(), `the search walk: ${walked}`);
}

async function checkConditionalRequest(): Promise<void> {
  const path = { ...article.path, entity_id: "veles" };
  const first = await client.GET("/v1/articles/{article_id}/entities/{entity_id}", {
    params: { path },
  });
  const etag = first.response.headers.get("ETag");
  check(first.response.status === 200 && etag, "an ETag");
  const again = await client.GET("/v1/articles/{article_id}/entities/{entity_id}", {
    params: { path, header: { "If-None-Match": etag } },
  });
  const status = again.response.status;
  check(status === 304 && again.data === undefined, `304, no body: ${status}`);
}

async function checkErrors(): Promise<void> {
  const missing = await client.GET("/v1/articles/{article_id}/entities/{entity_id}", {
    params: { path: { ...article.path, entity_id: "no-such-entity" } },
  });
  const problem: Schemas["Problem"] | undefined = missing.error;
  check(problem?.status === 404 && problem.detail.includes("no-such-entity"), "404 problem");
  const invalid = await client.GET("/v1/articles/{article_id}/entities", {
    params: { ...article, query: { page_size: 0 } },
  });
  check(invalid.error?.status === 422 && invalid.error.detail.includes("page_size"), "422 problem");
  const mediaType = invalid.response.headers.get("Content-Type");
  check(mediaType === "application/problem+json", `a problem document: ${mediaType}`);
}

await checkEveryOperation();
await checkAcrossArticles();
await checkStreamsAndExports();
await checkSearchAcrossArticles();
await checkConditionalRequest();
await checkErrors();
console.log("typescript client: every operation answered as documented");
