-- v1: the state of every tenant (E2, E4, E5). Released migrations are never edited: a change to
-- the schema is a new file with the next number.
--
-- Every table of tenant data has `tenant` first in its primary key; the schema table is the only
-- one without it (it describes the tables, not a tenant).

CREATE TABLE cin7_sparklayer_schema (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE customer_links (
    tenant       text NOT NULL,
    cin7_id      text NOT NULL,
    shopify_id   text NOT NULL,
    email        text NOT NULL,
    content_hash text NOT NULL,
    invite_sent  boolean NOT NULL,
    managed_tags jsonb NOT NULL,   -- array of strings
    metafields   jsonb NOT NULL,   -- array of {namespace, key}
    revoked      boolean NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, cin7_id)
);

CREATE TABLE price_lists (
    tenant   text NOT NULL,
    slug     text NOT NULL,
    name     text NOT NULL,
    currency text NOT NULL,
    origin   jsonb NOT NULL,       -- PriceListOrigin
    PRIMARY KEY (tenant, slug)
);

CREATE TABLE price_rows (
    tenant text NOT NULL,
    slug   text NOT NULL,
    sku    text NOT NULL,
    hash   bigint NOT NULL,        -- u64 price hash, bit-cast to i64
    PRIMARY KEY (tenant, slug, sku),
    FOREIGN KEY (tenant, slug) REFERENCES price_lists (tenant, slug) ON DELETE CASCADE
);

CREATE TABLE runs (
    tenant      text NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    started_at  text COLLATE "C" NOT NULL,  -- RFC 3339 with nanoseconds, UTC: sorts as text
    finished_at text COLLATE "C" NOT NULL,
    mode        text NOT NULL,
    dry_run     boolean NOT NULL,
    succeeded   boolean NOT NULL,
    report      jsonb NOT NULL,              -- RunReport
    PRIMARY KEY (tenant, id)
);

CREATE INDEX runs_cursor ON runs (tenant, succeeded, started_at);
